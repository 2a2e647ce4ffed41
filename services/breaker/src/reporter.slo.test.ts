// Wall-clock budget of the gateway-reporter scenario (opt-in: `pnpm test:slo`): the circuit
// half-opens within 1.5 s of its due time. reporter.int.test.ts keeps what happens, in order.
import { uniquePrefix } from '@beacon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opensHalfOpensCloses, startReporterBed, type ReporterBed } from './reporter-scenario.js';

describe('gateway outcomes through the reporter', () => {
  let bed: ReporterBed;

  beforeAll(async () => {
    bed = await startReporterBed(uniquePrefix('brk-rep-slo'));
  });

  afterAll(async () => {
    await bed?.stop();
  });

  it('opens on reported failures, half-opens on time, hands out trials, closes on success', async () => {
    const { halfOpenLagMs } = await opensHalfOpensCloses(bed);
    expect(halfOpenLagMs).toBeLessThan(1500);
  });
});
