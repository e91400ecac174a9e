import { describe, expect, it } from 'vitest';
import { SimpleBus } from '../base/bus.js';
import { Device } from '../base/device.js';
import { Driver } from '../base/driver.js';
import { SoftwareNode } from './swnode.js';

describe('SoftwareNode string properties', () => {
  it('reads compatible and status as string arrays, and only when they are strings', () => {
    const n = new SoftwareNode('n', null, { compatible: ['vendor,a', 'vendor,b'], status: ['disabled'] });
    expect(n.readStringArray('compatible')).toEqual(['vendor,a', 'vendor,b']);
    expect(n.isAvailable()).toBe(false);
    const odd = new SoftwareNode('odd', null, { compatible: [1, 2], status: true });
    expect(odd.readStringArray('compatible')).toBeUndefined();
    expect(odd.readStringArray('status')).toBeUndefined();
    expect(odd.isAvailable()).toBe(true);
  });

  it('sees a property set after creation (setProperty replaces compatible and status)', () => {
    const n = new SoftwareNode('n', null, {});
    expect(n.readStringArray('compatible')).toBeUndefined();
    expect(n.isAvailable()).toBe(true);
    n.setProperty('status', ['fail']);
    expect(n.isAvailable()).toBe(false);
    n.setProperty('status', ['okay']);
    expect(n.isAvailable()).toBe(true);
    const bus = new SimpleBus('platform');
    const drv = new Driver({ name: 'b-driver', bus, matchTable: ['vendor,b'] });
    const dev = new Device({ name: 'dev0', bus, fwnode: n });
    expect(bus.match(dev, drv)).toBe(0);
    n.setProperty('compatible', ['vendor,a', 'vendor,b']);
    expect(bus.match(dev, drv)).toBe(1);
    n.setProperty('compatible', [7]);
    expect(bus.match(dev, drv)).toBe(0);
  });

  it('hands back each string list as it was set, whatever the caller later does to its array', () => {
    for (const l of [[], [''], ['a\0b'], ['a', 'b'], ['a', 'b', '']]) expect(new SoftwareNode('n', null, { compatible: l }).readStringArray('compatible')).toEqual(l);
    const ids = ['vendor,a'];
    const n = new SoftwareNode('n', null, { compatible: ids });
    ids[0] = 'vendor,b';
    expect(n.readStringArray('compatible')).toEqual(['vendor,a']);
  });
});
