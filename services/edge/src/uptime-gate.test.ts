// The gate in front of whole-fleet uptime windows: at most `limit` at once, a short queue, then
// refused (503) — a flood of distinct `end` values cannot pile computations onto the edge.
import { BeaconError } from '@beacon/protocol';
import { describe, expect, it } from 'vitest';
import { createGate } from './uptime-api.js';

describe('fleet window gate', () => {
  it('runs `limit` at once, queues `queue` more in order, refuses the rest', async () => {
    const gate = createGate(2, 3);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const releases: Array<() => void> = [];
    const task = (n: number) => () =>
      new Promise<number>((resolve) => {
        running++;
        peak = Math.max(peak, running);
        order.push(n);
        releases.push(() => {
          running--;
          resolve(n);
        });
      });
    const results = Array.from({ length: 8 }, (_, n) =>
      gate(task(n)).then(
        (v) => ({ ok: true, v }),
        (err: unknown) => ({ ok: false, v: err }),
      ),
    );
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual([0, 1]);
    while (releases.length > 0) {
      releases.shift()!();
      await new Promise((r) => setImmediate(r));
    }
    const settled = await Promise.all(results);
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(settled.slice(0, 5).every((r) => r.ok)).toBe(true);
    for (const r of settled.slice(5)) {
      expect(r.ok).toBe(false);
      expect(r.v).toBeInstanceOf(BeaconError);
      expect((r.v as BeaconError).code).toBe('unavailable');
    }
  });

  it('a failing task frees its slot', async () => {
    const gate = createGate(1, 0);
    await expect(gate(() => Promise.reject(new Error('redis down')))).rejects.toThrow('redis down');
    await expect(gate(() => Promise.resolve(7))).resolves.toBe(7);
  });
});
