// The driver core's device-link seam. The mechanisms live in ../links/, one per
// file; this module keeps the names the probe path imports.
export { DeviceLink, type SupplierCheck } from '../links/device-link.js';
export { DeviceLinks } from '../links/device-links.js';
export { DL_FLAG, type DeviceLinkState } from '../links/flags.js';
