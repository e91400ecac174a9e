// Test support (not exported from the package): a platform bus whose
// dma_configure is the kernel's DmaConfigure, DT machines from DTS text, and
// a minimal IOMMU driver whose ops the tests shape.
import { Kernel, KernelModule, type DriverSpec, type KernelOptions } from '@kdsim/core';
import { DmaSimpleBus as DmaBus } from './dma-bus.js';
import { MachineFirmware, OfTree, parseDts, type OfNode } from '@kdsim/firmware';
import { IommuCore } from './core.js';
import { IommuDomain } from './domain.js';
import { iommuCoreModule } from './module.js';
import type { IommuOps } from './ops.js';
import type { IommuConfig } from './policy.js';
import { IommuDevice } from './registry.js';
import { IommuDomainType, type IommuCap } from './types.js';

/** A DT tree from the body of the root node. */
export function dtTree(body: string): OfTree {
  return new OfTree(parseDts(`/dts-v1/;\n/ {\n#address-cells = <1>;\n#size-cells = <1>;\n${body}\n};\n`, { file: 't.dts', preprocess: false }));
}

/** What {@link testIommuOps} answers. */
export interface TestIommuShape {
  readonly name?: string;
  readonly caps?: readonly IommuCap[];
  readonly ofXlate?: boolean;
  readonly defDomainType?: number;
  readonly identity?: boolean;
}

/** A driver with generic groups and paging domains; one instance per fwnode it registered. */
export function testIommuOps(core: () => IommuCore, shape: TestIommuShape = {}): IommuOps {
  const ops: IommuOps = {
    name: shape.name ?? 'test-iommu',
    pgsizeBitmap: 0x40201000n,
    capable: (_dev, cap) => (shape.caps ?? []).includes(cap),
    probeDevice: (dev) => {
      const fw = core().fwspec(dev);
      return (fw && core().fromFwnode(fw.iommuFwnode)) ?? -19;
    },
    deviceGroup: (dev, c) => c.genericDeviceGroup(dev),
    ofXlate: shape.ofXlate === false ? null : (_dev, args) => args.slice(0, 1),
    domainAllocPaging: () => new IommuDomain({ type: IommuDomainType.UNMANAGED, ops }),
    ...(shape.defDomainType !== undefined ? { defDomainType: () => shape.defDomainType! } : {}),
    ...(shape.identity === true ? { domainAllocIdentity: () => new IommuDomain({ type: IommuDomainType.IDENTITY, ops }) } : {}),
  };
  return ops;
}

/** A DT machine: the platform bus, one device per node named in `devices`, and the IOMMU core built in. */
export interface DtMachineOptions extends KernelOptions {
  readonly tree: OfTree;
  /** Node paths to create platform devices for, in creation order. */
  readonly devices: readonly string[];
  /** Built-in drivers, registered at device_initcall in order. */
  readonly drivers: (bus: DmaBus, k: () => Kernel) => readonly DriverSpec[];
  readonly iommuConfig?: Partial<IommuConfig>;
}

/** Boots a DT machine and returns the kernel. */
export function dtMachine(o: DtMachineOptions): Kernel {
  const bus = new DmaBus('platform');
  let kernel: Kernel | null = null;
  const k = (): Kernel => kernel!;
  const fw = new MachineFirmware({ of: o.tree });
  const platform = new KernelModule('platform', {
    initcalls: [
      { level: 'core', name: 'platform_bus_init', fn: (kk) => { bus.kernel = kk; return kk.busRegister(bus); } },
      {
        level: 'arch', name: 'of_platform_default_populate_init', fn: (kk) => {
          for (const path of o.devices) {
            const node: OfNode = o.tree.findNodeByPath(path) ?? (() => { throw new Error(path); })();
            kk.deviceRegister({ name: node.name, bus, fwnode: node });
          }
        },
      },
      { level: 'device', name: 'drivers', fn: (kk) => { for (const d of o.drivers(bus, k)) kk.driverRegister(d); } },
    ],
  });
  kernel = new Kernel({
    ...o,
    builtin: [iommuCoreModule(o.iommuConfig), platform, ...(o.builtin ?? [])],
    configure: (c) => {
      c.bind(MachineFirmware).toConstantValue(fw);
      o.configure?.(c);
    },
  });
  return kernel;
}

/** A platform driver for an IOMMU node that registers one instance with `ops` when it probes. */
export function iommuDriver(bus: DmaBus, k: () => Kernel, name: string, compatible: string, ops: () => IommuOps): DriverSpec {
  return {
    name,
    bus,
    matchTable: [compatible],
    probe: (dev) => k().container.get(IommuCore).deviceRegister(new IommuDevice(dev.name), ops(), dev),
  };
}
