// A gateway reporting call outcomes through @beacon/client's reporter drives the circuit on its
// own (no probe anywhere), and asks the projection whether calls are permitted.
import { uniquePrefix, waitFor } from '@beacon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opensHalfOpensCloses, startReporterBed, type ReporterBed } from './reporter-scenario.js';
import { consumed } from './test-support.js';

describe('gateway outcomes through the reporter', () => {
  let bed: ReporterBed;
  const prefix = uniquePrefix('brk-rep');

  beforeAll(async () => {
    bed = await startReporterBed(prefix);
  });

  afterAll(async () => {
    await bed?.stop();
  });

  it('opens on reported failures, half-opens on time, hands out trials, closes on success', async () => {
    await opensHalfOpensCloses(bed);
  });

  it('ignores outcomes for MCPs nobody registered, and acks them', async () => {
    const { reporter, redis, log, events } = bed;
    reporter.report({ mcp_name: 'ghost_mcp', outcome: 'failure', latency_ms: 1 });
    await reporter.flush();
    await waitFor(() => consumed(redis, log.keys.outcomes), {
      message: 'the ghost outcome consumed and acked',
    });
    expect(events.health('ghost_mcp')).toEqual([]);
  });
});
