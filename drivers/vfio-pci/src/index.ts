/**
 * @packageDocumentation
 * vfio-pci (drivers/vfio/pci): the VFIO bus driver users bind through
 * `driver_override`; its probe is VFIO device registration.
 */
export { vfioPciDriver, vfioPciModule, vfioPciTakeOver, type VfioPciOptions } from './vfio-pci.js';
