// Given/when/then tests of the probe digest's collector and its configuration.
import { ProbeDigestMessage, type ProbeResult } from '@beacon/protocol';
import { loadConfig } from '@beacon/runtime';
import { describe, expect, it } from 'vitest';
import { RegistryConfig } from './config.js';
import { createProbeCollector } from './probe-digest.js';

const probe = (name: string, at: number, over: Partial<ProbeResult> = {}): ProbeResult => ({
  mcp_name: name,
  ok: true,
  outcome: 'success',
  status: 'healthy',
  latency_ms: 4.2,
  error: null,
  tools_count: 3,
  at,
  ...over,
});

describe('probe collector', () => {
  it('given several probes per MCP, then a take holds the latest one per MCP as a valid digest', () => {
    const c = createProbeCollector();
    const t = Date.parse('2026-11-26T10:00:00.000Z');
    c.record(probe('a', t));
    c.record(probe('b', t + 5, { ok: false, outcome: 'disconnected', latency_ms: null }));
    c.record(probe('a', t + 10, { latency_ms: 9 }));
    // A result that finished earlier (it waited for its lock) never replaces a newer one.
    c.record(probe('a', t + 3, { latency_ms: 1 }));
    expect(c.size).toBe(2);
    const samples = c.take();
    expect(samples).toEqual([
      { name: 'a', checked_at: '2026-11-26T10:00:00.010Z', latency_ms: 9, ok: true },
      { name: 'b', checked_at: '2026-11-26T10:00:00.005Z', latency_ms: null, ok: false },
    ]);
    expect(() =>
      ProbeDigestMessage.parse({
        type: 'probe_digest',
        probes: samples,
        timestamp: new Date().toISOString(),
      }),
    ).not.toThrow();
  });

  it('when taken, then it is empty until the next probe (memory bounded by the fleet)', () => {
    const c = createProbeCollector();
    for (let i = 0; i < 1_000; i++) c.record(probe(`mcp_${i % 10}`, i));
    expect(c.size).toBe(10);
    expect(c.take()).toHaveLength(10);
    expect(c.size).toBe(0);
    expect(c.take()).toEqual([]);
  });
});

describe('BEACON_PROBE_DIGEST_INTERVAL_MS', () => {
  it('defaults to 2000, accepts 0 (off), refuses a busy-loop interval or garbage by name', () => {
    expect(loadConfig(RegistryConfig, {}).BEACON_PROBE_DIGEST_INTERVAL_MS).toBe(2_000);
    expect(
      loadConfig(RegistryConfig, { BEACON_PROBE_DIGEST_INTERVAL_MS: '0' })
        .BEACON_PROBE_DIGEST_INTERVAL_MS,
    ).toBe(0);
    expect(() => loadConfig(RegistryConfig, { BEACON_PROBE_DIGEST_INTERVAL_MS: '5' })).toThrow(
      /BEACON_PROBE_DIGEST_INTERVAL_MS.*at least 100/,
    );
    expect(() => loadConfig(RegistryConfig, { BEACON_PROBE_DIGEST_INTERVAL_MS: 'soon' })).toThrow(
      /BEACON_PROBE_DIGEST_INTERVAL_MS/,
    );
  });
});
