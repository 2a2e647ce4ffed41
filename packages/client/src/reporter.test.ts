import { BeaconError } from '@beacon/protocol';
import { describe, expect, it } from 'vitest';
import { createOutcomeBuffer, encodeOutcome } from './reporter.js';
import { permitFromRow } from './permit.js';

describe('encodeOutcome', () => {
  it('encodes the documented stream JSON, stamping time and gateway', () => {
    const json = encodeOutcome(
      { mcp_name: 'billing_mcp', outcome: 'timeout', latency_ms: 5000, at: 1_700_000_000_000 },
      'gw-1',
    );
    expect(JSON.parse(json)).toEqual({
      mcp_name: 'billing_mcp',
      outcome: 'timeout',
      latency_ms: 5000,
      at: 1_700_000_000_000,
      gateway: 'gw-1',
    });
  });

  it('rejects a bad outcome with an error naming the field', () => {
    const bad = { mcp_name: 'billing mcp', outcome: 'failure', latency_ms: -1 } as const;
    expect(() => encodeOutcome(bad)).toThrow(BeaconError);
    expect(() => encodeOutcome(bad)).toThrow(/mcp_name.*latency_ms|latency_ms.*mcp_name/s);
  });
});

describe('createOutcomeBuffer', () => {
  it('sends a full batch at once and the rest on flush', async () => {
    const batches: string[][] = [];
    const buf = createOutcomeBuffer({
      batchSize: 3,
      flushIntervalMs: 60_000,
      send: (b) => {
        batches.push([...b]);
        return Promise.resolve();
      },
    });
    for (const x of ['a', 'b', 'c', 'd']) buf.push(x);
    await buf.flush();
    expect(batches.flat()).toEqual(['a', 'b', 'c', 'd']);
    expect(batches[0]).toEqual(['a', 'b', 'c']);
    expect(buf.stats()).toMatchObject({ sent: 4, buffered: 0, dropped: 0 });
    await buf.close();
  });

  it('keeps a batch whose send failed and delivers it later, in order', async () => {
    let fail = true;
    const got: string[] = [];
    const errors: unknown[] = [];
    const buf = createOutcomeBuffer({
      batchSize: 100,
      flushIntervalMs: 60_000,
      onError: (e) => errors.push(e),
      send: (b) => {
        if (fail) return Promise.reject(new Error('redis down'));
        got.push(...b);
        return Promise.resolve();
      },
    });
    buf.push('1');
    buf.push('2');
    await expect(buf.flush()).rejects.toThrow('redis down');
    buf.push('3');
    fail = false;
    await buf.flush();
    expect(got).toEqual(['1', '2', '3']);
    expect(errors).toHaveLength(1);
    expect(buf.stats()).toMatchObject({ failedFlushes: 1, sent: 3 });
    await buf.close();
  });

  it('drops the oldest (and counts them) beyond maxBuffered instead of growing', async () => {
    const got: string[] = [];
    const buf = createOutcomeBuffer({
      batchSize: 1000,
      flushIntervalMs: 60_000,
      maxBuffered: 2,
      send: (b) => {
        got.push(...b);
        return Promise.resolve();
      },
    });
    for (const x of ['1', '2', '3', '4']) buf.push(x);
    await buf.close();
    expect(got).toEqual(['3', '4']);
    expect(buf.stats().dropped).toBe(2);
  });
});

describe('permitFromRow', () => {
  it('permits CLOSED, rejects OPEN, asks for a trial in HALF_OPEN', () => {
    expect(permitFromRow('closed', null)).toEqual({ kind: 'permitted' });
    expect(permitFromRow('open', { seq: 3 })).toEqual({ kind: 'rejected' });
    expect(permitFromRow('half_open', { seq: 4, trial_calls_permitted: 3 })).toEqual({
      kind: 'trial',
      seq: 4,
      budget: 3,
    });
  });

  it('permits an MCP it knows nothing about, and gives one trial without numbers', () => {
    expect(permitFromRow(null, null)).toEqual({ kind: 'permitted' });
    expect(permitFromRow('half_open', null)).toEqual({ kind: 'trial', seq: 0, budget: 1 });
  });
});
