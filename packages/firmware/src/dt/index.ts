/**
 * Device trees: FDT decode/encode, DTS compile/print, the OF live tree and
 * its helpers, and the DT IOMMU topology.
 */
import type { FuzzTarget } from '../fuzz.js';
import { parseDts } from './dts-compile.js';
import { decodeFdt } from './fdt-decode.js';

export {
  type DeviceTree, type DeviceTreeFields, type DtMemReserve, type DtNode, type DtProperty, type DtWarning,
  deviceTree, dtNode, dtProperty, dtGetProperty, dtWalk, phandleOf,
} from './tree.js';
export { decodeFdt } from './fdt-decode.js';
export { encodeFdt } from './fdt-encode.js';
export { type DtValueGuess, printDts, guessValueType, formatProperty } from './dts-print.js';
export { dtcNormalize } from './dtc-normalize.js';
export { type DtsOptions, parseDts, compileDts } from './dts-compile.js';
export type { ReadFile, SrcPos } from './dts-lexer.js';
export { OfNode, OfTree } from './of.js';
export {
  MAX_PHANDLE_ARGS, type OfPhandleArgsResult, type OfPhandleEntry,
  ofCountPhandleWithArgs, ofParsePhandleWithArgs, ofPhandleIterator,
} from './of-phandle.js';
export {
  type OfIrqBehaviour, type OfIrqResult, type OfIrqSupplierResult,
  ofInterruptMapParent, ofIrqBehaviour, ofIrqFindParent, ofIrqParseOne, ofIrqParseRaw, ofIrqSupplier,
} from './of-irq.js';
export { type OfMapEntry, type OfMapIdResult, type OfMapIdTarget, ofMapEntries, ofMapId } from './of-map-id.js';
export {
  type OfRegEntry, type OfResource, type OfTranslated,
  ofAddressToResource, ofBusNAddrCells, ofBusNSizeCells, ofDmaIsCoherent, ofGetAddresses, ofGetNextDmaParent,
  ofNAddrCells, ofNSizeCells, ofReadNumber, ofTranslateAddress,
} from './of-address.js';
export { ofPciFindChildDevice, ofPciGetDevfn, pciDevfn, pciDevid } from './of-pci.js';
export { type OfDeviceId, ofDeviceIsCompatible, ofMatchNode } from './of-match.js';
export {
  type OfIommuDevice, type OfIommuEnv, type OfIommuFwspec, type OfIommuInstance, type OfIommuResult, ofIommuConfigure,
} from './of-iommu.js';
export { type XenGrantDevice, type XenGrantOptions, type XenGrantResult, xenDtGrantBackendDomid } from './xen-grant.js';
export {
  type DtIommu, type DtIommuIdRange, type DtIommuMaster, type DtIommuTopology, type DtTopologyProblem, dtIommuTopology,
} from './dt-topology.js';

const utf8 = new TextDecoder();
const noFiles = (): never => {
  throw new Error('fuzzing reads no files');
};

/** Device-tree fuzz targets: `fdt` (blobs) and `dts` (source text, without cpp or includes). */
export const dtFuzzTargets: readonly FuzzTarget[] = [
  {
    name: 'fdt',
    seedFiles: [
      'dt/linux-example-virtio-mmio-iommu.dtb', 'dt/qemu72-virt-plain.dtb', 'dt/qemu72-virt-smmuv3-bypass.dtb',
      'dt/qemu72-virt-smmuv3.dtb', 'dt/qemu72-virt-virtio-iommu.dtb', 'dt/xen-grant-dma-mmio.dtb',
    ],
    parse: (bytes, file) => decodeFdt(bytes, file),
  },
  {
    name: 'dts',
    seedFiles: [
      'dt/linux-example-virtio-mmio-iommu.dts', 'dt/linux-example-virtio-mmio-iommu.source.dts', 'dt/qemu72-virt-plain.dts',
      'dt/qemu72-virt-smmuv3.dts', 'dt/qemu72-virt-virtio-iommu.dts', 'dt/xen-grant-dma-mmio.dts', 'dt/xen-grant-dma-mmio.source.dts',
    ],
    parse: (bytes, file) => parseDts(utf8.decode(bytes), { file, preprocess: false, readFile: noFiles }),
  },
];
