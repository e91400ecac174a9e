import { describe, expect, it } from 'vitest';
import { node, ref, World } from '../testing/world.js';

// A bus node that only names the default interrupt parent of its children.
function suppliers(profile: string): string[] {
  const w = new World();
  const intc = node('intc@8000000', null, { '#interrupt-cells': [3], 'interrupt-controller': true });
  const soc = node('soc', null, { compatible: ['simple-bus'], 'interrupt-parent': [ref(intc)] });
  const k = w.kernel({ profile });
  k.links.fw.parseFwtree(soc);
  return (k.links.fwnodes.peek(soc)?.supplierLinks() ?? []).map((l) => l.supplier.name);
}

describe('the interrupt-parent supplier binding', () => {
  it('links a node to its interrupt-parent up to v6.12; v6.13 dropped the binding ("Do not use interrupt-parent directly")', () => {
    expect(suppliers('linux-6.12')).toEqual(['intc@8000000']);
    expect(suppliers('linux-6.13')).toEqual([]);
  });
});
