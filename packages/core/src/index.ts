/**
 * @packageDocumentation
 * The kdsim driver core: kernel instance, virtual clock and scheduler, klog,
 * buses, devices, drivers, probe, deferred probe, initcalls, modules,
 * profiles and command line, and the firmware-node abstraction.
 */
export { Errno, errnoName, formatErrno, type ErrnoName } from './errno.js';
export { KernelOops } from './oops.js';
export { type Fwnode, type FwnodeKernelRecord, type FwnodeReferenceResult, fwnodeAndAncestors, fwnodeIsAncestorOf } from './fwnode/fwnode.js';
export { SoftwareNode, type SoftwareNodeOptions, type SwnodeReference, type SwnodePropertyValue } from './fwnode/swnode.js';
export { VirtualClock, formatTimestamp, NSEC_PER_SEC, NSEC_PER_MSEC, NSEC_PER_USEC } from './time/clock.js';
export { Scheduler, SimThread, type Named, type ThreadKind, type ThreadBody, type Yield, type WaitFor, type SleepUntil, type Decision, type RunResult } from './time/scheduler.js';
export { ScheduleStrategy, InOrderStrategy, SeededStrategy, ReplayStrategy, mulberry32, type ChoicePoint, type ChoiceKind } from './time/strategy.js';
export { Klog, type KlogRecord, type DmesgOptions } from './klog/klog.js';
export { LogLevel, levelName, parseLevel, type LogLevelValue } from './klog/levels.js';
export { DynamicDebug, normaliseModule } from './klog/dyndbg.js';
export { NO_PRINTK_REPORTS, type PrintkReport, type PrintkSink } from './klog/printk-report.js';
export type { TraceBase, TraceEvent, TraceEventType } from './klog/trace.js';
export { KernelProfile, kernelProfile, NAMED_PROFILES, DEFAULT_PROFILE, type KernelVersion, type FwDevlinkMode } from './profile/profile.js';
export { KernelCmdline, type CmdlineParam, type CmdlineDiagnostic } from './profile/cmdline.js';
export { Device, type DeviceInit, type DlDevState } from './base/device.js';
export { Driver, busDriverSpec, type DriverCoreOptions, type DriverSpec, type ProbeType } from './base/driver.js';
export { BusType, SimpleBus, BusNotify, type BusNotifyEvent, type BusNotifier } from './base/bus.js';
export { MatchIndex, matchKeysChanged } from './base/match-index.js';
export { DeviceLinks, initStatus } from './links/device-links.js';
export { DeviceLink, type SupplierCheck } from './links/device-link.js';
export {
  DL_FLAG, DL_MANAGED_LINK_FLAGS, DL_ADD_VALID_FLAGS, DL_MARKER_FLAGS, FW_DEVLINK_FLAGS_PERMISSIVE, FW_DEVLINK_FLAGS_ON,
  FW_DEVLINK_FLAGS_RPM, FWNODE_FLAG, FWLINK_FLAG, DEVLINK_STATUS_WORDS, isSyncStateOnly, formatFlags, type DeviceLinkState,
} from './links/flags.js';
export { FwnodeLink, FwnodeLinks, FwnodeState } from './links/fwnode-links.js';
export { FwDevlink } from './links/fw-devlink.js';
export { Cycles } from './links/cycles.js';
export { AddLinks } from './links/add-links.js';
export {
  FwDevlinkPolicy, DefaultFwDevlinkPolicy, type DefaultFwDevlinkPolicyOptions, type AddLinksMode, type SyncStateMode,
} from './links/policy.js';
export {
  ofSupplierBindings, phandle, phandleWithArgs, phandleAtCell, interruptParent, graphPortParent, compatNode, nodeNameEq,
  OF_IRQ_FILE, type FwnodeIrqWalks, type FwnodeIrqWalkResult, type SupplierBinding,
} from './links/supplier-bindings.js';
export { SyncState } from './links/sync-state.js';
export { devlinkClass, devlinkEntry, deviceLinksEntry, renderDevlinks, type DevlinkEntry, type DeviceLinksEntry } from './links/views.js';
export { needs, renderNeeds, type NeedsOptions, type NeedsEdge, type NeedsDetail, type NeedsFormat } from './links/needs.js';
export { DmaConfigure, NoDmaConfigure } from './base/dma.js';
export { driverProbeOnce } from './base/probe-once.js';
export { DeferredProbe } from './base/deferred.js';
export { Dd } from './base/dd.js';
export { LinkedList, ListNode } from './base/list.js';
export { INITCALL_LEVELS, type InitcallLevel, type Initcall } from './init/initcalls.js';
export { KernelModule, driverModule, type KernelModuleSpec } from './init/module.js';
export { parseModuleTimeline, type UserspaceStep } from './init/userspace.js';
export { cached, type Cache } from './cache.js';
export { internString } from './intern.js';
export {
  Kernel, DeferredProbePolicy, DefaultDeferredProbePolicy,
  type KernelOptions, type KernelConfig, type ProbeCosts, type Snapshot, type CoreDebug,
} from './kernel.js';
