// A gateway reporting call outcomes through @beacon/client's reporter drives the circuit on its
// own (no probe anywhere), and asks the projection whether calls are permitted.
import { uniquePrefix, waitFor } from '@beacon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opensHalfOpensCloses, startReporterBed, type ReporterBed } from './reporter-scenario.js';
import { consumed, register } from './test-support.js';

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

  it('counts the calls it refused: the half-open event carries not_permitted_calls', async () => {
    const { reporter, events, log } = bed;
    const name = 'refused_mcp';
    await register(log, name, { consecutive_failures: 2, wait_open_ms: 1500 });
    await waitFor(() => reporter.circuitState(name).then((s) => s === 'closed'));
    for (let i = 0; i < 2; i++)
      reporter.report({ mcp_name: name, outcome: 'failure', latency_ms: 5 });
    await reporter.flush();
    await events.waitForHealth(name, 'circuit_opened');
    for (let i = 0; i < 3; i++) expect(await reporter.isCallPermitted(name)).toBe(false);
    await reporter.flush();
    const half = await events.waitForHealth(name, 'circuit_half_open');
    expect(half.data.breaker).toMatchObject({ not_permitted_calls: 3 });
  });

  it('auth_failed is tallied apart (not a failure by default); metrics_only never opens', async () => {
    const { reporter, events, log } = bed;
    const auth = 'auth_mcp';
    await register(log, auth, { consecutive_failures: 2 });
    await waitFor(() => reporter.circuitState(auth).then((s) => s === 'closed'));
    for (let i = 0; i < 5; i++)
      reporter.report({ mcp_name: auth, outcome: 'auth_failed', latency_ms: 5 });
    for (let i = 0; i < 2; i++)
      reporter.report({ mcp_name: auth, outcome: 'failure', latency_ms: 5 });
    await reporter.flush();
    const opened = await events.waitForHealth(auth, 'circuit_opened');
    // Opened by the two real failures; the five rejections only counted.
    expect(opened.data).toMatchObject({ reason: 'consecutive_failures', consecutive_failures: 2 });
    expect(opened.data.breaker).toMatchObject({
      outcomes_auth_failed: 5,
      ignored_outcomes: 5,
      outcomes_error: 2,
    });

    const shadow = 'shadow_mcp';
    await register(log, shadow, { consecutive_failures: 2, mode: 'metrics_only' });
    await waitFor(() => reporter.circuitState(shadow).then((s) => s === 'closed'));
    for (let i = 0; i < 6; i++)
      reporter.report({ mcp_name: shadow, outcome: 'timeout', latency_ms: 5 });
    await reporter.flush();
    // The half-way warning first, then the would-open report.
    const warned = await events.waitForHealth(shadow, 'failure', 2);
    expect(warned.data).toMatchObject({
      would_open: true,
      mode: 'metrics_only',
      reason: 'consecutive_failures',
    });
    expect(await reporter.circuitState(shadow)).toBe('closed');
    expect(await reporter.isCallPermitted(shadow)).toBe(true);
    expect(events.health(shadow).map((e) => e.event_type)).toEqual(['failure', 'failure']);
  });
});
