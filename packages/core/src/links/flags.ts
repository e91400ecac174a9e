/** Device link flags (include/linux/device.h: DL_FLAG_*). */
export const DL_FLAG = {
  STATELESS: 1 << 0,
  AUTOREMOVE_CONSUMER: 1 << 1,
  PM_RUNTIME: 1 << 2,
  RPM_ACTIVE: 1 << 3,
  AUTOREMOVE_SUPPLIER: 1 << 4,
  AUTOPROBE_CONSUMER: 1 << 5,
  MANAGED: 1 << 6,
  SYNC_STATE_ONLY: 1 << 7,
  INFERRED: 1 << 8,
  CYCLE: 1 << 9,
} as const;

/** core.c: DL_MANAGED_LINK_FLAGS — flags only a managed (non-stateless) link may carry. */
export const DL_MANAGED_LINK_FLAGS = DL_FLAG.AUTOREMOVE_CONSUMER | DL_FLAG.AUTOREMOVE_SUPPLIER | DL_FLAG.AUTOPROBE_CONSUMER
  | DL_FLAG.SYNC_STATE_ONLY | DL_FLAG.INFERRED | DL_FLAG.CYCLE;

/** core.c: DL_ADD_VALID_FLAGS — every flag device_link_add() accepts. */
export const DL_ADD_VALID_FLAGS = DL_MANAGED_LINK_FLAGS | DL_FLAG.STATELESS | DL_FLAG.PM_RUNTIME | DL_FLAG.RPM_ACTIVE;

/** core.c: DL_MARKER_FLAGS — flags that do not change what a link does. */
export const DL_MARKER_FLAGS = DL_FLAG.INFERRED | DL_FLAG.CYCLE | DL_FLAG.MANAGED;

/** core.c: FW_DEVLINK_FLAGS_PERMISSIVE */
export const FW_DEVLINK_FLAGS_PERMISSIVE = DL_FLAG.INFERRED | DL_FLAG.SYNC_STATE_ONLY;
/** core.c: FW_DEVLINK_FLAGS_ON */
export const FW_DEVLINK_FLAGS_ON = DL_FLAG.INFERRED | DL_FLAG.AUTOPROBE_CONSUMER;
/** core.c: FW_DEVLINK_FLAGS_RPM */
export const FW_DEVLINK_FLAGS_RPM = FW_DEVLINK_FLAGS_ON | DL_FLAG.PM_RUNTIME;

/** core.c: device_link_flag_is_sync_state_only() — nothing but SYNC_STATE_ONLY and marker flags. */
export function isSyncStateOnly(flags: number): boolean {
  return (flags & ~DL_MARKER_FLAGS) === DL_FLAG.SYNC_STATE_ONLY;
}

/** Link states (enum device_link_state); `NONE` for stateless links. */
export type DeviceLinkState = 'NONE' | 'DORMANT' | 'AVAILABLE' | 'CONSUMER_PROBE' | 'ACTIVE' | 'SUPPLIER_UNBIND';

/** The sysfs `status` word of each link state (core.c: status_show()). */
export const DEVLINK_STATUS_WORDS: Readonly<Record<DeviceLinkState, string>> = {
  NONE: 'not tracked',
  DORMANT: 'dormant',
  AVAILABLE: 'available',
  CONSUMER_PROBE: 'consumer probing',
  ACTIVE: 'active',
  SUPPLIER_UNBIND: 'supplier unbinding',
};

/** Firmware-node flags (include/linux/fwnode.h: FWNODE_FLAG_*). */
export const FWNODE_FLAG = {
  LINKS_ADDED: 1 << 0,
  NOT_DEVICE: 1 << 1,
  INITIALIZED: 1 << 2,
  NEEDS_CHILD_BOUND_ON_ADD: 1 << 3,
  BEST_EFFORT: 1 << 4,
  VISITED: 1 << 5,
} as const;

/** fwnode-link flags (include/linux/fwnode.h: FWLINK_FLAG_*). */
export const FWLINK_FLAG = {
  /** Part of a dependency cycle (v6.3+): does not block, converts to a sync-state-only link. */
  CYCLE: 1 << 0,
  /** `post-init-providers` (v6.9+): ignored entirely. */
  IGNORE: 1 << 1,
} as const;

/** Formats device-link flags as `%#x` would print them in kernel messages (`0x120`). */
export function formatFlags(flags: number): string {
  return `0x${flags.toString(16)}`;
}
