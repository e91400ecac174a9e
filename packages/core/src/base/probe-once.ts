import { Errno } from '../errno.js';
import type { Kernel } from '../kernel.js';
import { LogLevel } from '../klog/levels.js';
import { Driver, type DriverSpec } from './driver.js';

/**
 * platform.c: __platform_driver_probe() as a bus-independent helper, for
 * drivers of devices that are never hot-plugged: the driver gets exactly one
 * chance, during its registration. It probes synchronously, its own
 * `-EPROBE_DEFER` becomes `-ENXIO` (`probe deferral not supported`), and if
 * no device bound by the time registration returns, the driver is
 * unregistered and `-ENODEV` returned. Any later attempt fails with `-ENXIO`.
 *
 * A deferral by the device-link check happens before the driver's probe runs,
 * so it is not converted: the device just waits on the deferred list while the
 * driver disappears (spec §4.8, bug §14.2). The platform bus wraps its own
 * platform_probe() the same way; this helper is what it reuses.
 */
export function driverProbeOnce(k: Kernel, spec: DriverSpec): number {
  const probe = spec.probe;
  const drv = new Driver({
    ...spec,
    probeType: 'force-sync',
    preventDeferredProbe: true,
    suppressBindAttrs: true,
    probe: (dev) => {
      const ret = probe ? probe(dev) : 0;
      if (ret === -Errno.EPROBE_DEFER) {
        k.devPrintk(dev, LogLevel.WARNING, 'probe deferral not supported');
        return -Errno.ENXIO;
      }
      return ret;
    },
  });
  const code = k.driverRegister(drv);
  if (code !== 0) return code;
  // "Force all new probes of this driver to fail."
  drv.probeDisabled = true;
  if (drv.devices.length === 0) {
    k.driverUnregister(drv);
    return -Errno.ENODEV;
  }
  return 0;
}
