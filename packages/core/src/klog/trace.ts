/** Fields every trace event has. */
export interface TraceBase {
  /** Virtual time (ns). */
  readonly time: number;
  /** The execution context it happened in (`init`, `deferred`, `async:3`, `userspace`, ...). */
  readonly ctx: string;
}

/**
 * Typed trace events of a boot, in the order they happen. Names follow the
 * kernel functions they come from. Devices and drivers are named, not
 * referenced, so a trace can be serialised and compared.
 */
export type TraceEvent = TraceBase & (
  | { readonly type: 'initcall'; readonly level: string; readonly name: string }
  | { readonly type: 'device_add'; readonly device: string; readonly bus: string }
  | { readonly type: 'device_del'; readonly device: string }
  | { readonly type: 'driver_register'; readonly driver: string; readonly bus: string }
  | { readonly type: 'driver_unregister'; readonly driver: string; readonly bus: string }
  | { readonly type: 'probe_start'; readonly device: string; readonly driver: string }
  | { readonly type: 'probe_defer'; readonly device: string; readonly driver: string; readonly reason: string; readonly where: 'links' | 'dma' | 'driver' | 'match' | 'force' }
  | { readonly type: 'bound'; readonly device: string; readonly driver: string }
  | { readonly type: 'probe_fail'; readonly device: string; readonly driver: string; readonly errno: number }
  | { readonly type: 'probe_reject'; readonly device: string; readonly driver: string; readonly errno: number }
  | { readonly type: 'unbind'; readonly device: string; readonly driver: string }
  | { readonly type: 'deferred_add'; readonly device: string }
  | { readonly type: 'deferred_retry'; readonly device: string }
  | { readonly type: 'deferred_trigger'; readonly count: number }
  | { readonly type: 'timeout' }
  | { readonly type: 'timeout_extend'; readonly seconds: number }
  | { readonly type: 'async_schedule'; readonly device: string; readonly driver?: string }
  | { readonly type: 'module_load'; readonly module: string }
  | { readonly type: 'module_loaded'; readonly module: string }
  | { readonly type: 'userspace'; readonly step: string }
  | { readonly type: 'livelock'; readonly device: string; readonly attempts: number }
  | { readonly type: 'devlink_add'; readonly supplier: string; readonly consumer: string; readonly flags: number }
  | { readonly type: 'devlink_del'; readonly supplier: string; readonly consumer: string }
  | { readonly type: 'sync_state'; readonly device: string }
  | { readonly type: 'custom'; readonly name: string; readonly data?: Readonly<Record<string, unknown>> }
);

/** The `type` strings of {@link TraceEvent}. */
export type TraceEventType = TraceEvent['type'];
