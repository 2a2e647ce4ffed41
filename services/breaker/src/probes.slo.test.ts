// Wall-clock budgets of the probe path (opt-in: `pnpm test:slo`); probes.int.test.ts keeps what
// happens, in order.
import { uniquePrefix } from '@beacon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBE_MS, probePath, startProbeBed, type ProbeBed } from './probes-scenario.js';

describe('probe results from the real registry', () => {
  let bed: ProbeBed;

  beforeAll(async () => {
    bed = await startProbeBed(uniquePrefix('brk-probe-slo'));
  });

  afterAll(async () => {
    await bed?.stop();
  });

  it('a failing MCP opens within its window, half-opens on time, closes on a good probe', async () => {
    const { openedAfterMs, halfOpenLagMs, closedAfterMs } = await probePath(bed);
    expect(openedAfterMs).toBeLessThan(4 * PROBE_MS + 2000);
    expect(halfOpenLagMs).toBeLessThan(1000);
    expect(closedAfterMs).toBeLessThan(PROBE_MS + 2000);
  });
});
