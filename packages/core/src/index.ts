/**
 * @packageDocumentation
 * The kdsim driver core: kernel instance, virtual clock and scheduler, klog,
 * buses, devices, drivers, probe, deferred probe, initcalls, modules,
 * profiles and command line, and the firmware-node abstraction.
 */
export { Errno, errnoName, formatErrno, type ErrnoName } from './errno.js';
export { type Fwnode, type FwnodeReferenceResult, fwnodeAndAncestors, fwnodeIsAncestorOf } from './fwnode/fwnode.js';
export { SoftwareNode, type SwnodeReference, type SwnodePropertyValue } from './fwnode/swnode.js';
