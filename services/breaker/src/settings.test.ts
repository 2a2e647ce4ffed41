import { describe, expect, it } from 'vitest';
import { DEFAULTS, openWait, resolveConfig } from './settings.js';
import { loadConfig } from '@beacon/runtime';
import { BreakerWorkerConfig, breakerDefaults } from './config.js';

describe('resolveConfig', () => {
  it('uses the global defaults when the MCP has no overrides', () => {
    expect(resolveConfig(DEFAULTS)).toMatchObject({
      window_type: 'count',
      window_size: DEFAULTS.window_size_calls,
      consecutive_failures: DEFAULTS.consecutive_failures,
      half_open_successes: DEFAULTS.half_open_successes,
    });
  });

  it('applies the contract overrides from the registration', () => {
    const c = resolveConfig(DEFAULTS, {
      breaker: { consecutive_failures: 3, wait_open_ms: 2000, half_open_successes: 1 },
    });
    expect(c).toMatchObject({
      consecutive_failures: 3,
      wait_open_ms: 2000,
      half_open_successes: 1,
    });
  });

  it('takes the time window default size in ms when only the type is overridden', () => {
    const c = resolveConfig(DEFAULTS, { breaker: { window_type: 'time' } });
    expect(c).toMatchObject({ window_type: 'time', window_size: DEFAULTS.window_size_ms });
  });

  it('falls back to the MCP slow_ms for the slow-call duration, below an explicit override', () => {
    expect(resolveConfig(DEFAULTS, { slow_ms: 800 }).slow_call_duration_ms).toBe(800);
    expect(
      resolveConfig(DEFAULTS, { slow_ms: 800, breaker: { slow_call_duration_ms: 300 } })
        .slow_call_duration_ms,
    ).toBe(300);
  });

  it('repairs combinations that could never work', () => {
    const c = resolveConfig(DEFAULTS, {
      breaker: {
        window_size: 5,
        minimum_calls: 50,
        half_open_successes: 4,
        half_open_trial_calls: 1,
        wait_open_ms: 60_000,
        wait_open_max_ms: 1_000,
      },
    });
    expect(c).toMatchObject({
      minimum_calls: 5,
      half_open_trial_calls: 4,
      wait_open_max_ms: 60_000,
    });
    // a time window keeps its minimum calls: the unit is not calls
    const t = resolveConfig(DEFAULTS, {
      breaker: { window_type: 'time', window_size: 5, minimum_calls: 50 },
    });
    expect(t.minimum_calls).toBe(50);
  });
});

describe('openWait', () => {
  it('grows by the multiplier on each consecutive opening and stops at the cap', () => {
    const c = resolveConfig(DEFAULTS, {
      breaker: { wait_open_ms: 1000, wait_open_multiplier: 3, wait_open_max_ms: 20_000 },
    });
    expect([1, 2, 3, 4, 10].map((n) => openWait(c, n))).toEqual([1000, 3000, 9000, 20_000, 20_000]);
  });
});

describe('outcome classification settings', () => {
  it('defaults: error, timeout, disconnected recorded; auth_failed ignored; no jitter; normal', () => {
    const c = resolveConfig(DEFAULTS);
    expect(c.record).toEqual(['error', 'timeout', 'disconnected']);
    expect(c.ignore).toEqual(['auth_failed']);
    expect(c.wait_open_jitter).toBe(0);
    expect(c.mode).toBe('normal');
  });

  it("an MCP's own list wins over the other default list", () => {
    const c = resolveConfig(DEFAULTS, { breaker: { record: ['auth_failed', 'error'] } });
    expect(c.record).toEqual(['auth_failed', 'error']);
    expect(c.ignore).toEqual([]);
    const d = resolveConfig(DEFAULTS, { breaker: { ignore: ['timeout'] } });
    expect(d.record).toEqual(['error', 'disconnected']);
    expect(d.ignore).toEqual(['timeout']);
  });

  it('reads BEACON_BREAKER_RECORD / IGNORE / WAIT_OPEN_JITTER / MODE, refusing bad values by name', () => {
    const c = loadConfig(BreakerWorkerConfig, {
      BEACON_BREAKER_RECORD: 'error, auth_failed',
      BEACON_BREAKER_IGNORE: 'none',
      BEACON_BREAKER_WAIT_OPEN_JITTER: '0.25',
      BEACON_BREAKER_MODE: 'metrics_only',
    });
    expect(breakerDefaults(c)).toMatchObject({
      record: ['error', 'auth_failed'],
      ignore: [],
      wait_open_jitter: 0.25,
      mode: 'metrics_only',
    });
    expect(() => loadConfig(BreakerWorkerConfig, { BEACON_BREAKER_RECORD: 'error,oops' })).toThrow(
      /BEACON_BREAKER_RECORD.*unknown outcome kind "oops"/,
    );
    expect(() => loadConfig(BreakerWorkerConfig, { BEACON_BREAKER_IGNORE: 'error' })).toThrow(
      /BEACON_BREAKER_IGNORE.*also in BEACON_BREAKER_RECORD/,
    );
    expect(() => loadConfig(BreakerWorkerConfig, { BEACON_BREAKER_WAIT_OPEN_JITTER: '2' })).toThrow(
      /BEACON_BREAKER_WAIT_OPEN_JITTER/,
    );
  });
});
