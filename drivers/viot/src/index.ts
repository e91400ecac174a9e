/**
 * @packageDocumentation
 * The ACPI VIOT glue of drivers/acpi/viot.c: the table parsed against the
 * machine's PCI functions, the virtio-iommu's fwnode, and the endpoint
 * ranges the IOMMU core's ACPI dma_configure path translates with.
 */
export { AcpiViotTable, acpiViotParse, acpiViotModule } from './viot.js';
