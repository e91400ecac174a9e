/**
 * @packageDocumentation
 * The endpoint and port drivers of the calibration machines, each a
 * KernelModule with the name Linux uses: pcieport (with its aer, pcie_pme,
 * dpc and pciehp services), shpchp, pci-host-generic, virtio_net,
 * virtio_rng, virtio_blk, e1000e, ahci, agpgart and intel_agp, and the
 * QEMU virt PrimeCell, gpio-keys and fw_cfg drivers; plus a catalogue and
 * the Debian 6.12 built-in/module split.
 */
export { portDeviceCapability, pcieportModule, shpchpModule } from './pcieport.js';
export { PCI_HOST_GENERIC_COMPATIBLES, pciHostGenericModule } from './pci-host-generic.js';
export { E1000E_IDS, INTEL_AGP_HOST_BRIDGES, e1000eModule, ahciModule, nvmeModule, agpgartModule, intelAgpModule } from './pci-endpoints.js';
export { virtioNetModule, virtioRngModule, virtioBlkModule } from './virtio-drivers.js';
export { ambaPl011Module, gpioPl061Module, rtcPl031Module, gpioKeysModule, qemuFwCfgModule } from './arm-virt.js';
export { endpointModules, DEBIAN_6_12_BUILTIN, debianBuiltins, debianLoadable } from './catalogue.js';
