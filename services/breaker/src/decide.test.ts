// Given/when/then tests of every transition and threshold of one breaker.
import { describe, expect, it } from 'vitest';
import {
  applyEvent,
  initialRow,
  McpConfig,
  type CallOutcome,
  type HealthEvent,
  type McpStatus,
  type ProbeResult,
} from '@beacon/protocol';
import { decide, type BreakerInput } from './decide.js';
import { DEFAULTS, resolveConfig, type BreakerConfig } from './settings.js';
import { newBreaker, stateFromJson, stateToJson, type BreakerState } from './state.js';

const T = 1_700_000_000_000;
type CallOutcomeKind = CallOutcome['outcome'];
const NAME = 'billing_mcp';

function config(o: Partial<BreakerConfig> = {}): BreakerConfig {
  return {
    ...resolveConfig(DEFAULTS),
    window_type: 'count',
    window_size: 10,
    minimum_calls: 5,
    failure_rate_threshold: 50,
    slow_call_duration_ms: 1000,
    slow_call_rate_threshold: 80,
    consecutive_failures: 4,
    wait_open_ms: 1000,
    wait_open_multiplier: 2,
    wait_open_max_ms: 5000,
    half_open_trial_calls: 3,
    half_open_successes: 2,
    ...o,
  };
}

const outcome = (o: 'success' | 'failure' | 'timeout', latency = 10): BreakerInput => ({
  type: 'outcome',
  outcome: { mcp_name: NAME, outcome: o, latency_ms: latency, at: T },
});
const ok = (latency = 10): BreakerInput => outcome('success', latency);
const fail = (latency = 10): BreakerInput => outcome('failure', latency);
const slow = (): BreakerInput => ok(1500);
const probe = (o: ProbeResult['outcome'], latency: number | null = 20): BreakerInput => ({
  type: 'probe',
  result: {
    mcp_name: NAME,
    ok: o === 'success',
    outcome: o,
    status: o === 'success' ? 'healthy' : o === 'disconnected' ? 'disconnected' : 'unhealthy',
    latency_ms: latency,
    error: null,
    tools_count: null,
    at: T,
  },
});
const tick: BreakerInput = { type: 'tick' };
const cmd = (command: 'force_open' | 'force_closed' | 'reset'): BreakerInput => ({
  type: 'command',
  command,
  actor: 'alice',
  command_id: `c-${command}`,
});

interface Run {
  state: BreakerState;
  events: HealthEvent[];
}

/** Feed inputs one millisecond apart starting at `at` (or at explicit times). */
function given(c: BreakerConfig, state: BreakerState = newBreaker(NAME, c)) {
  const run: Run = { state, events: [] };
  let clock = T;
  const api = {
    when(inputs: BreakerInput[], at?: number) {
      if (at !== undefined) clock = at;
      for (const input of inputs) {
        const d = decide(run.state, input, clock, c);
        run.state = d.state;
        run.events.push(...d.events);
        clock += 1;
      }
      return api;
    },
    at(time: number) {
      clock = time;
      return api;
    },
    types: () => run.events.map((e) => e.event_type),
    run,
    clearEvents() {
      run.events = [];
      return api;
    },
  };
  return api;
}

const times = (n: number, input: BreakerInput): BreakerInput[] =>
  Array.from({ length: n }, () => input);

describe('CLOSED', () => {
  it('stays closed and silent on successes', () => {
    const g = given(config()).when(times(50, ok()));
    expect(g.run.state.circuit).toBe('closed');
    expect(g.types()).toEqual([]);
  });

  it('opens on exactly the N-th consecutive failure', () => {
    const c = config({ consecutive_failures: 4, minimum_calls: 10 });
    const g = given(c).when(times(3, fail()));
    expect(g.run.state.circuit).toBe('closed');
    g.when([fail()]);
    expect(g.run.state.circuit).toBe('open');
    const opened = g.run.events.at(-1)!;
    expect(opened.event_type).toBe('circuit_opened');
    expect(opened.data).toMatchObject({
      reason: 'consecutive_failures',
      threshold: 4,
      consecutive_failures: 4,
      source: 'gateway',
      circuit_state: 'open',
      wait_ms: 1000,
      opens: 1,
    });
  });

  it('a success resets the consecutive-failure count', () => {
    const c = config({ consecutive_failures: 3, minimum_calls: 10 });
    const g = given(c).when([fail(), fail(), ok(), fail(), fail()]);
    expect(g.run.state.circuit).toBe('closed');
    expect(g.run.state.consecutive_failures).toBe(2);
  });

  it('does not judge the failure rate below the minimum number of calls', () => {
    const c = config({ consecutive_failures: 100, minimum_calls: 5 });
    const g = given(c).when([fail(), ok(), fail(), fail()]); // 75 % of 4 calls
    expect(g.run.state.circuit).toBe('closed');
  });

  it('opens when the failure rate reaches the threshold once the minimum is met', () => {
    const c = config({ consecutive_failures: 100, minimum_calls: 4, failure_rate_threshold: 50 });
    const g = given(c).when([ok(), fail(), ok()]);
    expect(g.run.state.circuit).toBe('closed');
    g.when([fail()]); // 2 of 4 = 50 %
    expect(g.run.state.circuit).toBe('open');
    expect(g.run.events.at(-1)!.data).toMatchObject({
      reason: 'failure_rate',
      threshold: 50,
      calls: 4,
      failures: 2,
      failure_rate: 50,
    });
  });

  it('stays closed just under the failure-rate threshold', () => {
    const c = config({ consecutive_failures: 100, window_size: 10, minimum_calls: 10 });
    const g = given(c).when([...times(6, ok()), fail(), ok(), fail(), fail()]); // 3 of 10
    expect(g.run.state.circuit).toBe('closed');
    g.when([fail()]); // window slides: drops an ok, 4 of 10 = 40 %
    expect(g.run.state.circuit).toBe('closed');
    g.when([fail()]); // 5 of 10
    expect(g.run.state.circuit).toBe('open');
  });

  it('lets old failures slide out of a count window', () => {
    const c = config({ consecutive_failures: 100, window_size: 4, minimum_calls: 4 });
    const g = given(c).when([fail(), ok(), ok(), ok()]); // 25 %
    g.when([fail(), ok()]); // window [ok ok fail ok] → 25 %, the first failure slid out
    expect(g.run.state.circuit).toBe('closed');
    expect(g.run.events.find((e) => e.event_type === 'circuit_opened')).toBeUndefined();
  });

  describe('time-based window', () => {
    const c = config({
      window_type: 'time',
      window_size: 1000,
      minimum_calls: 4,
      consecutive_failures: 100,
    });

    it('opens on the failure rate of calls inside the window', () => {
      const g = given(c)
        .when([fail(), ok(), fail()], T)
        .when([fail()], T + 900);
      expect(g.run.state.circuit).toBe('open');
      expect(g.run.events.at(-1)!.data).toMatchObject({
        reason: 'failure_rate',
        calls: 4,
        failures: 3,
      });
    });

    it('does not count calls that are older than the window', () => {
      const g = given(c)
        .when([fail(), fail(), fail()], T)
        .when([ok(), ok(), fail()], T + 1500);
      // the three early failures expired: 1 of 3 calls, under the minimum
      expect(g.run.state.circuit).toBe('closed');
      g.when([ok()]); // 1 of 4 = 25 %
      expect(g.run.state.circuit).toBe('closed');
    });

    it('opens on the slow-call rate of a time window, and old slow calls do not count', () => {
      const t = config({
        window_type: 'time',
        window_size: 1000,
        minimum_calls: 3,
        slow_call_rate_threshold: 60,
      });
      const g = given(t).when([slow(), slow()], T); // under the minimum
      g.when([slow(), ok(), ok()], T + 1500);
      expect(g.run.state.circuit).toBe('closed'); // only 1 of 3 slow in the last second
      g.when([slow()]); // 2 of 4
      expect(g.run.state.circuit).toBe('closed');
      g.when([slow()]); // 3 of 5 = 60 %
      expect(g.run.state.circuit).toBe('open');
      expect(g.run.events.at(-1)!.data).toMatchObject({
        reason: 'slow_call_rate',
        calls: 5,
        slow_calls: 3,
      });
    });

    it('expires calls on a tick even without new calls', () => {
      const g = given(c)
        .when([fail(), fail(), ok()], T)
        .when([tick], T + 5000);
      expect(g.run.state.window).toMatchObject({ calls: 0, failures: 0 });
      g.when([fail(), ok(), ok(), ok()]);
      expect(g.run.state.circuit).toBe('closed'); // 1 of 4: the early failures are gone
    });
  });

  describe('slow calls', () => {
    it('counts a call at or above the slow-call duration as slow, not as failed', () => {
      const c = config({ slow_call_rate_threshold: 100, minimum_calls: 10 });
      const g = given(c).when([ok(999), ok(1000), ok(5000)]);
      expect(g.run.state.consecutive_failures).toBe(0);
      expect(g.run.state.window).toMatchObject({ slow: 2, failures: 0 });
    });

    it('opens on the slow-call rate', () => {
      const c = config({ minimum_calls: 5, slow_call_rate_threshold: 80 });
      const g = given(c).when([slow(), slow(), slow(), ok()]);
      expect(g.run.state.circuit).toBe('closed');
      g.when([slow()]); // 4 of 5 = 80 %
      expect(g.run.state.circuit).toBe('open');
      expect(g.run.events.at(-1)!.data).toMatchObject({
        reason: 'slow_call_rate',
        threshold: 80,
        slow_calls: 4,
        slow_call_rate: 80,
        failures: 0,
      });
    });

    it('stays closed just under the slow-call rate', () => {
      const c = config({ minimum_calls: 5, slow_call_rate_threshold: 80, window_size: 5 });
      const g = given(c).when([slow(), slow(), slow(), ok(), ok()]); // 60 %
      expect(g.run.state.circuit).toBe('closed');
    });

    it('counts a timeout as a failure (and as slow when it took long)', () => {
      const c = config({ consecutive_failures: 2, minimum_calls: 10 });
      const g = given(c).when([outcome('timeout', 2000), outcome('timeout', 2000)]);
      expect(g.run.state.circuit).toBe('open');
      expect(g.run.events.at(-1)!.data).toMatchObject({ failures: 2, slow_calls: 2 });
    });
  });

  describe('probe results', () => {
    it('count error, timeout and disconnected probes as failures', () => {
      const c = config({ consecutive_failures: 3, minimum_calls: 10 });
      const g = given(c).when([probe('error'), probe('timeout'), probe('disconnected', null)]);
      expect(g.run.state.circuit).toBe('open');
      expect(g.run.events.at(-1)!.data).toMatchObject({ source: 'probe', consecutive_failures: 3 });
    });

    it('count a slow probe as slow and a successful probe as success', () => {
      const c = config({ minimum_calls: 10 });
      const g = given(c).when([probe('slow', 100), probe('success'), probe('success', 3000)]);
      expect(g.run.state.window).toMatchObject({ filled: 3, failures: 0, slow: 2 });
    });
  });

  describe('failure warning and recovery', () => {
    const c = config({ consecutive_failures: 4, minimum_calls: 10 });

    it('warns with `failure` half-way to opening, once', () => {
      const g = given(c).when([fail()]);
      expect(g.types()).toEqual([]);
      g.when([fail()]); // 2 of 4 consecutive
      expect(g.types()).toEqual(['failure']);
      expect(g.run.events[0]!.data).toMatchObject({
        reason: 'consecutive_failures',
        threshold: 2,
        consecutive_failures: 2,
        circuit_state: 'closed',
      });
      g.when([fail()]);
      expect(g.types()).toEqual(['failure']);
    });

    it('reports `recovery` after a success once the pressure is under a quarter', () => {
      const g = given(c).when([fail(), fail(), ok()]);
      expect(g.types()).toEqual(['failure', 'recovery']);
      expect(g.run.events[1]!.data).toMatchObject({
        reason: 'below_thresholds',
        consecutive_failures: 0,
      });
    });

    it('does not flap while the failure rate hovers between a quarter and a half', () => {
      const r = config({ consecutive_failures: 100, window_size: 10, minimum_calls: 10 });
      const g = given(r).when([...times(5, ok()), fail(), fail(), ok(), fail(), ok()]);
      expect(g.types()).toEqual(['failure']); // 3 of 10 at the 10th call: over half of 50 %
      g.when([ok(), ok(), fail(), ok(), ok()]); // 30-40 %: over a quarter, under the threshold
      expect(g.types()).toEqual(['failure']);
      g.when(times(10, ok()));
      expect(g.types()).toEqual(['failure', 'recovery']);
    });

    it('an opening ends the warning: no `recovery` after the circuit closes', () => {
      const g = given(c)
        .when(times(4, fail()))
        .when([tick], T + 5000)
        .when([ok(), ok(), ok()]);
      expect(g.types()).toEqual([
        'failure',
        'circuit_opened',
        'circuit_half_open',
        'circuit_closed',
      ]);
      expect(g.run.state.degraded).toBe(false);
    });
  });
});

describe('OPEN', () => {
  const c = config({ consecutive_failures: 2, wait_open_ms: 1000 });
  const opened = () => given(c).when([fail(), fail()], T).clearEvents(); // opened at T+1

  it('ignores calls while open and counts them', () => {
    const g = opened().when([fail(), ok(), ok()], T + 10);
    expect(g.run.state.circuit).toBe('open');
    expect(g.types()).toEqual([]);
    expect(g.run.state.ignored_calls).toBe(3);
  });

  it('does nothing on a tick before the wait is over', () => {
    const g = opened().when([tick], T + 1000); // due at T+1+1000
    expect(g.run.state.circuit).toBe('open');
    expect(g.types()).toEqual([]);
  });

  it('half-opens on a tick at the due time, stamped with the due time', () => {
    const g = opened().when([tick], T + 1001);
    expect(g.run.state.circuit).toBe('half_open');
    const e = g.run.events[0]!;
    expect(e.event_type).toBe('circuit_half_open');
    expect(e.timestamp).toBe(new Date(T + 1001).toISOString());
    expect(e.data).toMatchObject({
      waited_ms: 1000,
      trial_calls_permitted: 3,
      successes_needed: 2,
    });
  });

  it('a late tick still stamps the transition with the due time', () => {
    const g = opened().when([tick], T + 60_000);
    expect(g.run.events[0]!.timestamp).toBe(new Date(T + 1001).toISOString());
  });

  it('half-opens first when a call arrives after the due time, then counts it as a trial', () => {
    const g = opened().when([ok()], T + 2000);
    expect(g.types()).toEqual(['circuit_half_open']);
    expect(g.run.state).toMatchObject({ circuit: 'half_open', trial_calls: 1, trial_successes: 1 });
  });

  it('grows the wait on each consecutive opening, up to the cap', () => {
    const g = opened();
    const waits: unknown[] = [];
    let at = T + 10;
    for (let i = 0; i < 4; i++) {
      at += 10_000;
      g.when([fail()], at); // due → half_open, then the failed trial re-opens
      waits.push(g.run.events.at(-1)!.data['wait_ms']);
    }
    expect(waits).toEqual([2000, 4000, 5000, 5000]);
    expect(g.run.state.opens).toBe(5);
  });
});

describe('HALF_OPEN', () => {
  const c = config({ consecutive_failures: 2, half_open_successes: 2, wait_open_ms: 1000 });
  const halfOpen = () =>
    given(c)
      .when([fail(), fail()], T)
      .when([tick], T + 5000)
      .clearEvents();

  it('stays half-open until enough trials succeed, then closes with fresh statistics', () => {
    const g = halfOpen().when([ok()]);
    expect(g.run.state.circuit).toBe('half_open');
    g.when([probe('success')]);
    expect(g.run.state.circuit).toBe('closed');
    const e = g.run.events[0]!;
    expect(e.event_type).toBe('circuit_closed');
    expect(e.data).toMatchObject({ reason: 'trial_successes', trial_calls: 2, trial_successes: 2 });
    expect(g.run.state).toMatchObject({ consecutive_failures: 0, opens: 0, open_until: null });
    expect(g.run.state.window).toMatchObject({ filled: 0, failures: 0 });
  });

  it('re-opens on a failed trial with a longer wait', () => {
    const g = halfOpen().when([ok(), fail()]);
    expect(g.run.state.circuit).toBe('open');
    expect(g.run.events[0]!.data).toMatchObject({
      reason: 'half_open_trial_failed',
      trial_failed: 'failure',
      trial_calls: 2,
      trial_successes: 1,
      wait_ms: 2000,
      opens: 2,
    });
  });

  it('re-opens on a slow trial', () => {
    const g = halfOpen().when([slow()]);
    expect(g.run.state.circuit).toBe('open');
    expect(g.run.events[0]!.data).toMatchObject({ trial_failed: 'slow' });
  });

  it('after closing, the next opening waits the base time again', () => {
    const g = halfOpen().when([ok(), ok()]).when([fail(), fail()]);
    expect(g.run.events.at(-1)!.data).toMatchObject({ wait_ms: 1000, opens: 1 });
  });

  it('has no timeout of its own: ticks leave it half-open', () => {
    const g = halfOpen().when([tick], T + 3_600_000);
    expect(g.run.state.circuit).toBe('half_open');
    expect(g.types()).toEqual([]);
  });
});

describe('admin commands', () => {
  const c = config({ consecutive_failures: 2 });

  it('force_open pins the circuit open: no timer, calls ignored, ticks do nothing', () => {
    const g = given(c).when([cmd('force_open')]);
    const e = g.run.events[0]!;
    expect(e).toMatchObject({
      event_type: 'circuit_opened',
      actor: 'alice',
      command_id: 'c-force_open',
      data: { reason: 'forced', previous: 'closed', circuit_state: 'open' },
    });
    g.when([ok(), ok(), ok()]).when([tick], T + 86_400_000);
    expect(g.run.state).toMatchObject({ circuit: 'open', forced: 'open', open_until: null });
    expect(g.types()).toEqual(['circuit_opened']);
  });

  it('force_open twice changes nothing the second time', () => {
    const g = given(c).when([cmd('force_open'), cmd('force_open')]);
    expect(g.types()).toEqual(['circuit_opened']);
  });

  it('force_closed closes an open circuit and keeps it closed whatever fails', () => {
    const g = given(c).when([fail(), fail(), cmd('force_closed')]);
    expect(g.types()).toEqual(['failure', 'circuit_opened', 'circuit_closed']);
    g.when(times(20, fail()));
    expect(g.run.state).toMatchObject({ circuit: 'closed', forced: 'closed' });
    expect(g.types()).toEqual(['failure', 'circuit_opened', 'circuit_closed']);
  });

  it('reset unpins, clears statistics and backoff, and lets the breaker work again', () => {
    const g = given(c)
      .when([fail(), fail(), cmd('force_open'), cmd('reset')])
      .clearEvents();
    expect(g.run.state).toMatchObject({ circuit: 'closed', forced: null, opens: 0 });
    g.when([fail(), fail()]);
    expect(g.types()).toEqual(['failure', 'circuit_opened']);
    expect(g.run.events[1]!.data).toMatchObject({ wait_ms: 1000, opens: 1 });
  });

  it('reset of a closed circuit is still reported, so the admin sees it took effect', () => {
    const g = given(c).when([cmd('reset')]);
    expect(g.run.events[0]).toMatchObject({
      event_type: 'circuit_closed',
      data: { reason: 'reset', previous: 'closed' },
    });
  });
});

describe('events', () => {
  const c = config({ consecutive_failures: 2, half_open_successes: 1 });

  it('number themselves and keep the projection current', () => {
    const g = given(c)
      .when([fail(), fail()], T)
      .when([tick], T + 5000)
      .when([ok(), cmd('force_open'), cmd('reset')]);
    expect(g.run.events.map((e) => e.data.breaker?.['seq'])).toEqual([1, 2, 3, 4, 5, 6]);
    expect(g.run.state.seq).toBe(6);

    // fold the events the way the log's projection does
    const rows = new Map<string, McpStatus>();
    const reg = McpConfig.parse({
      name: NAME,
      transport: { type: 'streamable-http', url: 'http://127.0.0.1:7200/mcp' },
    });
    rows.set(NAME, initialRow(reg));
    const seen: string[] = [];
    for (const e of g.run.events) {
      const row = applyEvent(rows, e, '1-0')!;
      seen.push(row.circuit_state);
      expect(row.breaker?.['seq']).toBe(e.data.breaker?.['seq']);
    }
    expect(seen).toEqual(['closed', 'open', 'half_open', 'closed', 'open', 'closed']);
  });

  it('are reproduced exactly when the same inputs are applied again to a stored state', () => {
    const inputs = [ok(), fail(), fail(), tick, ok(), fail(), ok()];
    const first = given(c).when(inputs.slice(0, 2), T);
    const stored = stateToJson(first.run.state);
    const a = given(c, stateFromJson(NAME, stored, c)).when(inputs.slice(2), T + 100);
    const b = given(c, stateFromJson(NAME, stored, c)).when(inputs.slice(2), T + 100);
    expect(a.run.events).toEqual(b.run.events);
    expect(stateToJson(a.run.state)).toBe(stateToJson(b.run.state));
  });
});

describe('outcome classification (record / ignore)', () => {
  const call = (o: CallOutcomeKind, latency = 10): BreakerInput => ({
    type: 'outcome',
    outcome: { mcp_name: NAME, outcome: o, latency_ms: latency, at: T },
  });

  it('by default tallies auth_failed apart: never in the window, never opens', () => {
    const c = config({ consecutive_failures: 2 });
    const g = given(c).when([...times(10, call('auth_failed')), ...times(5, probe('auth_failed'))]);
    expect(g.run.state.circuit).toBe('closed');
    expect(g.types()).toEqual([]);
    expect(g.run.state.ignored_outcomes).toBe(15);
    expect(g.run.state.kinds.auth_failed).toBe(15);
    expect(g.run.state.consecutive_failures).toBe(0);
  });

  it('an MCP recording auth_failed opens on it, as any failure', () => {
    const c = resolveConfig(
      { ...DEFAULTS, consecutive_failures: 3 },
      { breaker: { record: ['auth_failed'] } },
    );
    expect(c.record).toEqual(['auth_failed']);
    expect(c.ignore).toEqual([]);
    const g = given(c).when(times(3, probe('auth_failed')));
    expect(g.run.state.circuit).toBe('open');
    expect(g.run.events.at(-1)?.data.breaker).toMatchObject({ outcomes_auth_failed: 3 });
  });

  it('a kind in neither list counts as a success; an ignored kind counts as nothing', () => {
    const c = resolveConfig(
      { ...DEFAULTS, consecutive_failures: 2 },
      { breaker: { record: ['error'], ignore: ['timeout'] } },
    );
    const g = given(c).when([
      call('failure'),
      call('timeout'),
      probe('disconnected'),
      call('failure'),
    ]);
    // disconnected (not recorded) broke the streak: success; timeout (ignored) did not count.
    expect(g.run.state.circuit).toBe('closed');
    expect(g.run.state.consecutive_failures).toBe(1);
    expect(g.run.state.ignored_outcomes).toBe(1);
    expect(g.run.state.kinds).toEqual({ error: 2, timeout: 1, disconnected: 1, auth_failed: 0 });
    g.when([call('failure')]);
    expect(g.run.state.circuit).toBe('open');
  });

  it('a kind in both lists is refused at registration', () => {
    const r = McpConfig.safeParse({
      name: NAME,
      transport: { type: 'streamable-http', url: 'http://127.0.0.1:7200/mcp' },
      breaker: { record: ['timeout'], ignore: ['timeout'] },
    });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toMatch(/cannot be both recorded and ignored/);
  });

  it('not_permitted is tallied per open period and is never a failure', () => {
    const c = config({ consecutive_failures: 2 });
    const g = given(c).when([fail(), fail()]);
    expect(g.run.state.circuit).toBe('open');
    g.when(times(4, call('not_permitted')));
    expect(g.run.state.not_permitted_calls).toBe(4);
    expect(g.run.state.ignored_calls).toBe(0);
    g.when([tick], T + 60_000).when([ok(), ok()]);
    expect(g.run.state.circuit).toBe('closed');
    expect(g.run.state.not_permitted_calls).toBe(4);
    g.when([fail(), fail(), call('not_permitted')]);
    expect(g.run.state.circuit).toBe('open');
    expect(g.run.state.not_permitted_calls).toBe(1);
    expect(g.run.events.at(-1)?.data.breaker).toMatchObject({ not_permitted_calls: 0 });
  });
});

describe('wait_open_jitter', () => {
  it('varies the OPEN wait within ± the fraction, reproducibly per MCP and time', () => {
    const c = config({
      consecutive_failures: 1,
      wait_open_ms: 10_000,
      wait_open_max_ms: 60_000,
      wait_open_jitter: 0.2,
    });
    const waits = new Set<number>();
    for (let i = 0; i < 50; i++) {
      const g = given(c).when([fail()], T + i * 997);
      const wait = g.run.events[0]?.data['wait_ms'] as number;
      expect(wait).toBeGreaterThanOrEqual(8_000);
      expect(wait).toBeLessThanOrEqual(12_000);
      waits.add(wait);
      expect(given(c).when([fail()], T + i * 997).run.events[0]?.data['wait_ms']).toBe(wait);
    }
    expect(waits.size).toBeGreaterThan(20);
  });

  it('0 keeps the exact exponential wait', () => {
    const g = given(config({ consecutive_failures: 1 })).when([fail()]);
    expect(g.run.events[0]?.data['wait_ms']).toBe(1000);
  });
});

describe('mode metrics_only', () => {
  const c = config({ consecutive_failures: 3, mode: 'metrics_only' });

  it('never opens; reports would_open once per episode, then recovery', () => {
    const g = given(c).when(times(20, fail()));
    expect(g.run.state.circuit).toBe('closed');
    const failures = g.run.events.filter((e) => e.data['would_open'] === true);
    expect(failures).toHaveLength(1);
    expect(failures[0]?.data).toMatchObject({
      reason: 'consecutive_failures',
      mode: 'metrics_only',
    });
    expect(failures[0]?.data.breaker).toMatchObject({ would_open: 1, mode: 'metrics_only' });
    g.clearEvents().when(times(20, ok()));
    expect(g.types()).toEqual(['recovery']);
    expect(g.run.state.tripped).toBe(false);
    g.clearEvents().when(times(3, fail()));
    expect(g.run.events.filter((e) => e.data['would_open'] === true)).toHaveLength(1);
  });

  it('closes a circuit the breaker had opened before the switch; keeps an operator force_open', () => {
    const normal = config({ consecutive_failures: 2 });
    const g = given(normal).when([fail(), fail()]);
    expect(g.run.state.circuit).toBe('open');
    const d = decide(g.run.state, ok(), T + 10, c);
    expect(d.state.circuit).toBe('closed');
    expect(d.events.map((e) => [e.event_type, e.data['reason']])).toEqual([
      ['circuit_closed', 'metrics_only'],
    ]);
    const forced = given(c).when([cmd('force_open'), ok(), ok()]);
    expect(forced.run.state.circuit).toBe('open');
  });
});

describe('stored states from before outcome classification', () => {
  it('load with zero tallies', () => {
    const c = config();
    const json = JSON.parse(stateToJson(newBreaker(NAME, c))) as Record<string, unknown>;
    for (const k of ['kinds', 'ignored_outcomes', 'not_permitted_calls', 'tripped']) delete json[k];
    const s = stateFromJson(NAME, JSON.stringify(json), c);
    expect(s.kinds).toEqual({ error: 0, timeout: 0, disconnected: 0, auth_failed: 0 });
    expect(s.not_permitted_calls).toBe(0);
    expect(s.tripped).toBe(false);
  });
});
