/**
 * @packageDocumentation
 * The platform and AMBA buses: platform devices from the device tree
 * (of_platform_populate()) and from ACPI, platform_match() with OF best
 * match, ACPI IDs, id tables and names, AMBA PrimeCell matching, platform
 * drivers and platform_driver_probe().
 */
export { PlatformError, type PlatformErrorKind, type PlatformErrorDetails } from './errors.js';
export { PlatformDevice, AmbaDevice, PLATFORM_DEVID_NONE, PLATFORM_DEVID_AUTO, type PlatformDeviceInit } from './device.js';
export { AcpiCompanion } from './acpi-companion.js';
export { ofDeviceMakeBusId } from './bus-id.js';
export {
  PlatformMatchTable, AmbaMatchTable, platformDriver, ambaDriver, ofMatchDevice, acpiDeviceIds, acpiMatchDevice,
  platformMatchId, ambaLookup,
  type PlatformDriverSpec, type PlatformOfId, type PlatformAcpiId, type PlatformId, type AmbaDriverSpec, type AmbaId,
} from './driver.js';
export { PlatformBus, AmbaBus } from './bus.js';
export {
  OfPopulatedFlags, OF_DEFAULT_BUS_MATCH_TABLE, ofPlatformDeviceCreate, ofAmbaDeviceCreate, ofPlatformBusCreate,
  ofPlatformPopulate, ofPlatformDefaultPopulateInit, primecellIdFromCompatible, type OfPopulateEnv,
} from './populate.js';
export { AcpiPlatformDevices, acpiCreatePlatformDevices, type AcpiPlatformEntry, type AcpiPlatformSpec } from './acpi.js';
export {
  platformBusOf, ambaBusOf, platformBusModule, ambaBusModule, OF_EARLY_DECLARED, ofPopulateEnv, ofPlatformModule,
  acpiPlatformModule, platformDriverProbe,
} from './module.js';
