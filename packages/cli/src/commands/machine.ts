import type { Command } from 'commander';
import type { Kernel } from '@kdsim/core';
import { IommuCore } from '@kdsim/iommu';
import { DEFAULT_SCENARIO_PATH, loadScenario, runScenario } from '@kdsim/scenario';
import type { IommuEdge } from '../render/graph.js';
import { runOptions, withRunFlags, type RunFlags } from './command.js';

/** The machine options every rendering command shares: the scenario's run flags. */
export type MachineOptions = RunFlags;

/** Adds the optional scenario argument and the run flags to a rendering command. */
export function machineOptions(cmd: Command): Command {
  return withRunFlags(cmd.argument('[scenario]', 'scenario file (default: the built-in default scenario)'));
}

/** Boots the scenario a rendering command shows (the built-in default without one), with the trace recorded. */
export function bootMachine(file: string | undefined, opts: MachineOptions): Kernel {
  return runScenario(loadScenario(file ?? DEFAULT_SCENARIO_PATH), { ...runOptions(opts), recordTrace: true }).kernel;
}

/** IOMMU → endpoint edges of a booted kernel (dev->iommu->iommu_dev and the fwspec IDs); none without an IOMMU core. */
export function iommuEdges(k: Kernel): IommuEdge[] {
  if (!k.container.isBound(IommuCore)) return [];
  const core = k.container.get(IommuCore);
  const edges: IommuEdge[] = [];
  for (const dev of k.devices) {
    const hw = core.iommuOf(dev)?.hwdev;
    if (hw !== null && hw !== undefined) edges.push({ iommu: hw.name, endpoint: dev.name, ids: core.fwspec(dev)?.ids ?? [] });
  }
  return edges;
}
