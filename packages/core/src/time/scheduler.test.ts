import { describe, expect, it } from 'vitest';
import { VirtualClock } from './clock.js';
import { Scheduler, type ThreadBody } from './scheduler.js';
import { InOrderStrategy, ReplayStrategy, SeededStrategy } from './strategy.js';

function* worker(log: string[], name: string, steps: number, cost: number, clock: VirtualClock): ThreadBody {
  for (let i = 0; i < steps; i++) {
    log.push(`${name}${i}`);
    clock.advance(cost);
    yield;
  }
}

describe('scheduler', () => {
  it('runs the earliest ready thread first and advances virtual time only by work done', () => {
    const clock = new VirtualClock();
    const s = new Scheduler(clock, new InOrderStrategy());
    const log: string[] = [];
    s.spawn('a', 'init', worker(log, 'a', 2, 10, clock));
    s.spawn('b', 'userspace', worker(log, 'b', 1, 1, clock), { at: 15 });
    expect(s.run().end).toBe('idle');
    expect(log).toEqual(['a0', 'a1', 'b0']);
    expect(clock.now).toBe(21);
  });

  it('asks the strategy only when several threads are ready, and records each decision for replay', () => {
    const clock = new VirtualClock();
    const s = new Scheduler(clock, new SeededStrategy(3));
    const log: string[] = [];
    s.spawn('a', 'async', worker(log, 'a', 2, 0, clock));
    s.spawn('b', 'async', worker(log, 'b', 2, 0, clock));
    s.run();
    const replayLog: string[] = [];
    const clock2 = new VirtualClock();
    const s2 = new Scheduler(clock2, new ReplayStrategy(s.decisions.map((d) => d.chosen)));
    s2.spawn('a', 'async', worker(replayLog, 'a', 2, 0, clock2));
    s2.spawn('b', 'async', worker(replayLog, 'b', 2, 0, clock2));
    s2.run();
    expect(replayLog).toEqual(log);
    expect(s.decisions.length).toBeGreaterThan(0);
  });

  it('reports threads that wait for something that never happens', () => {
    const clock = new VirtualClock();
    const s = new Scheduler(clock, new InOrderStrategy());
    function* stuck(): ThreadBody {
      yield { until: () => false, what: 'godot' };
    }
    s.spawn('init', 'init', stuck());
    expect(s.run()).toEqual({ end: 'stuck', blocked: [{ thread: 'init', what: 'godot' }] });
  });
});
