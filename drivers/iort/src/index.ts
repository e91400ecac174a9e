/**
 * @packageDocumentation
 * The ACPI IORT glue (drivers/acpi/arm64/iort.c): platform devices for the
 * SMMU and PMCG nodes at boot, carrying the synthetic fwnodes the SMMU
 * drivers register their IOMMUs with and endpoints are resolved to; the
 * endpoint side runs in the IOMMU core's ACPI dma_configure path.
 */
export { iortInit, iortModule, printAcpiWarnings, type IortInitOptions, type IortBootResult } from './init.js';
export { registerIort, type IortDriverEntry, type IortDriverRegistry } from './register.js';
