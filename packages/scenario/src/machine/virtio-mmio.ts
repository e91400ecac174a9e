import { VIRTIO_F, VirtioHardware, features } from '@kdsim/bus-virtio';
import type { MachineStep } from '../registry.js';

/**
 * `machine.virtioMmio`: the virtio devices behind the machine's virtio-mmio
 * windows (`{ base, deviceId, features: [VERSION_1, ACCESS_PLATFORM] }`);
 * a window not listed is an empty slot. Joins the PCI models the hardware
 * step made into one {@link VirtioHardware}.
 */
export const virtioMmioStep: MachineStep = {
  name: 'virtio-mmio',
  keys: ['virtioMmio'],
  build(ctx) {
    const list = ctx.scenario.doc.machine?.virtioMmio ?? [];
    if (list.length === 0) return;
    const mmio = list.map((m) => ({
      base: m.base,
      deviceId: m.deviceId,
      ...(m.features !== undefined ? { features: features(...m.features.map((f) => VIRTIO_F[f])) } : {}),
    }));
    ctx.configure.push((c) => {
      if (!c.isBound(VirtioHardware)) {
        c.bind(VirtioHardware).toConstantValue(new VirtioHardware({ mmio }));
        return;
      }
      const pci = Object.fromEntries(c.get(VirtioHardware).pci);
      c.rebind(VirtioHardware).toConstantValue(new VirtioHardware({ pci, mmio }));
    });
  },
};
