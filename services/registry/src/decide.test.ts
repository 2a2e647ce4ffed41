// Given/when/then tests of the registry's status decisions.
import {
  applyEvent,
  initialRow,
  LogEvent,
  McpConfig,
  type LogEventInput,
  type McpStatus,
  type ProbeResult,
} from '@beacon/protocol';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  decideDisable as disableDecision,
  decideEnable as enableDecision,
  decideHealthCheckOff as healthCheckOffDecision,
  decideProbe as probeDecision,
  decideTools as toolsDecision,
  initialState,
  reprobeDelay,
  stateFromRow,
  type DecideSettings,
  type Decision,
  type McpState,
} from './decide.js';
import { evolve, type RegistryEvent } from './evolve.js';
import { kinds } from './test-support.js';

// Every decision made by a case below is also checked after the case (see the end of the file):
// its `next` must be the fold of what it records, and what a successor rebuilds after failover.
const decisions: { readonly state: McpState; readonly d: Decision }[] = [];
const recorded =
  <A extends unknown[]>(decide: (state: McpState, ...rest: A) => Decision) =>
  (state: McpState, ...rest: A): Decision => {
    const d = decide(state, ...rest);
    decisions.push({ state, d });
    return d;
  };
const decideProbe = recorded(probeDecision);
const decideTools = recorded(toolsDecision);
const decideDisable = recorded(disableDecision);
const decideEnable = recorded(enableDecision);
const decideHealthCheckOff = recorded(healthCheckOffDecision);

const settings: DecideSettings = {
  failureCyclesToDisable: 3,
  reprobeBaseMs: 1_000,
  reprobeMaxMs: 8_000,
};
const NOW = Date.parse('2025-01-01T00:00:00Z');

const ok = (latency = 12, tools = 3): ProbeResult => ({
  mcp_name: 'billing_mcp',
  ok: true,
  outcome: 'success',
  status: 'healthy',
  latency_ms: latency,
  error: null,
  tools_count: tools,
  at: NOW,
});
const fail = (
  outcome: 'error' | 'timeout' | 'slow' | 'disconnected' | 'auth_failed' = 'error',
): ProbeResult => ({
  mcp_name: 'billing_mcp',
  ok: false,
  outcome,
  status: outcome === 'disconnected' ? 'disconnected' : 'unhealthy',
  latency_ms: outcome === 'disconnected' ? null : 40,
  error: `boom (${outcome})`,
  tools_count: null,
  at: NOW,
});
const given = (over: Partial<McpState> = {}): McpState => ({
  ...initialState('billing_mcp', true),
  ...over,
});
/** Every decided event must be a valid log event (it is validated again before append). */
const valid = (events: readonly LogEventInput[]): void => {
  for (const e of events) expect(LogEvent.safeParse(e).success).toBe(true);
};

describe('decideProbe', () => {
  it('given a new MCP, when the first probe succeeds, then healthy with latency and tools', () => {
    const d = decideProbe(given(), ok(12, 3), NOW, settings);
    expect(kinds(d.events)).toEqual(['status:healthy']);
    valid(d.events);
    expect(d.events[0]).toMatchObject({
      metadata: {
        previous_status: 'unknown',
        latency_ms: 12,
        tools_count: 3,
        failure_cycles: 0,
        checked_at: '2025-01-01T00:00:00.000Z',
      },
    });
    // The breaker owns circuit_state (the projection ignores it in a status change).
    expect(d.events[0]).not.toHaveProperty('metadata.circuit_state');
    expect(d.next).toMatchObject({ status: 'healthy', toolsCount: 3, failureCycles: 0 });
  });

  it('given healthy, when probes keep succeeding with the same tools, then nothing is appended', () => {
    const d = decideProbe(given({ status: 'healthy', toolsCount: 3 }), ok(50, 3), NOW, settings);
    expect(d.events).toEqual([]);
  });

  it('given healthy, when the tool count changes, then tools_changed (no status change)', () => {
    const d = decideProbe(given({ status: 'healthy', toolsCount: 3 }), ok(5, 4), NOW, settings);
    expect(kinds(d.events)).toEqual(['tools_changed']);
    expect(d.events[0]).toMatchObject({ data: { tools_count: 4, previous_tools_count: 3 } });
    valid(d.events);
  });

  it('given healthy, when a probe errors, then failure + unhealthy with error and 1 cycle', () => {
    const d = decideProbe(
      given({ status: 'healthy', toolsCount: 3 }),
      fail('error'),
      NOW,
      settings,
    );
    expect(kinds(d.events)).toEqual(['failure', 'status:unhealthy']);
    valid(d.events);
    expect(d.events[1]).toMatchObject({
      metadata: { previous_status: 'healthy', error: 'boom (error)', failure_cycles: 1 },
    });
    expect(d.next).toMatchObject({ status: 'unhealthy', failureCycles: 1 });
  });

  it('given healthy, when the server cannot be reached, then disconnected', () => {
    const d = decideProbe(given({ status: 'healthy' }), fail('disconnected'), NOW, settings);
    expect(kinds(d.events)).toEqual(['failure', 'status:disconnected']);
  });

  it('given unhealthy, when it keeps failing the same way, then only the cycle count moves', () => {
    const d = decideProbe(
      given({ status: 'unhealthy', failureCycles: 1 }),
      fail('timeout'),
      NOW,
      settings,
    );
    expect(d.events).toEqual([]);
    expect(d.next.failureCycles).toBe(2);
  });

  it('given unhealthy, when it becomes unreachable, then a status change without a new failure event', () => {
    const d = decideProbe(
      given({ status: 'unhealthy', failureCycles: 1 }),
      fail('disconnected'),
      NOW,
      settings,
    );
    expect(kinds(d.events)).toEqual(['status:disconnected']);
  });

  it('given failing, when a probe succeeds, then healthy + recovery with the cycles it took', () => {
    const d = decideProbe(given({ status: 'disconnected', failureCycles: 2 }), ok(), NOW, settings);
    expect(kinds(d.events)).toEqual(['status:healthy', 'recovery']);
    expect(d.events[1]).toMatchObject({
      data: { previous_status: 'disconnected', failure_cycles: 2 },
    });
    expect(d.next.failureCycles).toBe(0);
    valid(d.events);
  });

  it('given a new MCP, when the first probe fails, then unhealthy but no failure event', () => {
    const d = decideProbe(given(), fail('slow'), NOW, settings);
    expect(kinds(d.events)).toEqual(['status:unhealthy']);
  });

  it('given the fleet-wide cap is reached, when the Nth cycle fails, then it keeps failing and says so once', () => {
    const capped: DecideSettings = {
      ...settings,
      mayAutoDisable: false,
      autoDisableCap: { autoDisabled: 2, max: 2 },
    };
    const d = decideProbe(given({ status: 'unhealthy', failureCycles: 2 }), fail(), NOW, capped);
    expect(kinds(d.events)).toEqual(['auto_disable_capped']);
    valid(d.events);
    expect(d.events[0]).toMatchObject({
      data: { failure_cycles: 3, status: 'unhealthy', auto_disabled: 2, max_auto_disabled: 2 },
    });
    expect(d.next).toMatchObject({ status: 'unhealthy', autoDisabled: false, failureCycles: 3 });
    expect(d.reprobeAt).toBeUndefined();
    // Later cycles are quiet while capped...
    const again = decideProbe(d.next, fail(), NOW + 1, capped);
    expect(kinds(again.events)).toEqual([]);
    expect(again.next.failureCycles).toBe(4);
    // ...and once there is room, the next failed cycle auto-disables.
    const room = decideProbe(again.next, fail(), NOW + 2, { ...settings, mayAutoDisable: true });
    expect(kinds(room.events)).toEqual(['status:inactive', 'auto_disabled']);
  });

  it('given N-1 failed cycles, when the Nth fails, then inactive + auto_disabled and a re-probe is due', () => {
    const d = decideProbe(given({ status: 'unhealthy', failureCycles: 2 }), fail(), NOW, settings);
    expect(kinds(d.events)).toEqual(['status:inactive', 'auto_disabled']);
    valid(d.events);
    expect(d.events[0]).toMatchObject({
      metadata: { reason: 'auto_disabled', auto_disabled: true, enabled: false, failure_cycles: 3 },
    });
    expect(d.next).toMatchObject({ status: 'inactive', autoDisabled: true, reprobeAttempt: 0 });
    expect(d.reprobeAt).toBe(NOW + 1_000);
  });

  it('given a threshold of 1, when a healthy MCP fails once, then failure and auto-disable at once', () => {
    const d = decideProbe(given({ status: 'healthy' }), fail(), NOW, {
      ...settings,
      failureCyclesToDisable: 1,
    });
    expect(kinds(d.events)).toEqual(['failure', 'status:inactive', 'auto_disabled']);
  });

  it('given auto-disabled, when re-probes fail, then no events and the backoff doubles up to the cap', () => {
    let s = given({ status: 'inactive', autoDisabled: true, failureCycles: 3 });
    const due: number[] = [];
    for (let i = 0; i < 5; i++) {
      const d = decideProbe(s, fail(), NOW, settings);
      expect(d.events).toEqual([]);
      due.push((d.reprobeAt ?? 0) - NOW);
      s = d.next;
    }
    expect(due).toEqual([2_000, 4_000, 8_000, 8_000, 8_000]);
  });

  it('given auto-disabled, when a re-probe succeeds, then re_enabled, healthy and recovery', () => {
    const s = given({
      status: 'inactive',
      autoDisabled: true,
      failureCycles: 3,
      reprobeAttempt: 2,
    });
    const d = decideProbe(s, ok(7, 3), NOW, settings);
    expect(kinds(d.events)).toEqual(['re_enabled', 'status:healthy', 'recovery']);
    valid(d.events);
    expect(d.events[1]).toMatchObject({
      metadata: {
        previous_status: 'inactive',
        enabled: true,
        auto_disabled: false,
        failure_cycles: 0,
      },
    });
    expect(d.next).toMatchObject({ status: 'healthy', autoDisabled: false, reprobeAttempt: 0 });
    expect(d.reprobeAt).toBeNull();
  });

  it('given manually disabled, when a late probe result arrives, then it is ignored', () => {
    const d = decideProbe(given({ status: 'inactive', disabled: true }), fail(), NOW, settings);
    expect(d.events).toEqual([]);
  });
});

describe('decideTools', () => {
  it('given healthy with 3 tools, when the server announces 4, then tools_changed', () => {
    const d = decideTools(given({ status: 'healthy', toolsCount: 3 }), 4, NOW);
    expect(kinds(d.events)).toEqual(['tools_changed']);
  });
  it('given unknown tools, when a count arrives, then it is recorded silently', () => {
    const d = decideTools(given({ status: 'healthy' }), 4, NOW);
    expect(d.events).toEqual([]);
    expect(d.next.toolsCount).toBe(4);
  });
});

describe('manual disable / enable', () => {
  const by = { actor: 'alice', command_id: 'c-1' };

  it('given healthy, when an admin disables it, then manually_disabled + inactive(manual) with the actor', () => {
    const d = decideDisable(given({ status: 'healthy' }), by, NOW);
    expect(kinds(d.events)).toEqual(['manually_disabled', 'status:inactive']);
    valid(d.events);
    for (const e of d.events) expect(e).toMatchObject({ actor: 'alice', command_id: 'c-1' });
    expect(d.events[1]).toMatchObject({ metadata: { reason: 'manual', enabled: false } });
    expect(d.next.disabled).toBe(true);
  });

  it('given auto-disabled, when an admin disables it, then the re-probe is cleared', () => {
    const d = decideDisable(given({ status: 'inactive', autoDisabled: true }), by, NOW);
    expect(d.reprobeAt).toBeNull();
    expect(d.next).toMatchObject({ disabled: true, autoDisabled: false });
  });

  it('given disabled, when an admin disables it again, then nothing happens', () => {
    expect(decideDisable(given({ status: 'inactive', disabled: true }), by, NOW).events).toEqual(
      [],
    );
  });

  it('given disabled, when an admin enables it, then manually_enabled + unknown until probed', () => {
    const d = decideEnable(given({ status: 'inactive', disabled: true }), by, NOW);
    expect(kinds(d.events)).toEqual(['manually_enabled', 'status:unknown']);
    valid(d.events);
    expect(d.next).toMatchObject({ disabled: false, status: 'unknown' });
  });

  it('given auto-disabled, when an admin enables it, then it is lifted at once', () => {
    const d = decideEnable(
      given({ status: 'inactive', autoDisabled: true, reprobeAttempt: 3 }),
      by,
      NOW,
    );
    expect(d.events[1]).toMatchObject({ metadata: { auto_disabled: false, enabled: true } });
    expect(d.next).toMatchObject({ autoDisabled: false, reprobeAttempt: 0 });
  });

  it('given enabled, when an admin enables it, then nothing happens', () => {
    expect(decideEnable(given({ status: 'healthy' }), by, NOW).events).toEqual([]);
  });
});

describe('auth_failed, health_reason', () => {
  it('given healthy, when credentials are refused, then failure + unhealthy with reason auth_failed', () => {
    const d = decideProbe(
      given({ status: 'healthy', toolsCount: 3 }),
      fail('auth_failed'),
      NOW,
      settings,
    );
    expect(kinds(d.events)).toEqual(['failure', 'status:unhealthy']);
    expect(d.events[0]).toMatchObject({ data: { outcome: 'auth_failed' } });
    expect(d.events[1]).toMatchObject({
      metadata: {
        reason: 'auth_failed',
        health_reason: 'auth_failed',
        error: 'boom (auth_failed)',
      },
    });
    expect(d.next).toMatchObject({
      status: 'unhealthy',
      healthReason: 'auth_failed',
      failureCycles: 1,
    });
    valid(d.events);
  });

  it.each(['error', 'timeout', 'slow', 'disconnected'] as const)(
    'given healthy, when a probe fails with %s, then health_reason says so',
    (outcome) => {
      const d = decideProbe(given({ status: 'healthy' }), fail(outcome), NOW, settings);
      expect(d.events.at(-1)).toMatchObject({
        metadata: { reason: 'probe', health_reason: outcome },
      });
      expect(d.next.healthReason).toBe(outcome);
    },
  );

  it('given unhealthy (error), when credentials are then refused, then a status change says auth_failed', () => {
    const state = given({ status: 'unhealthy', failureCycles: 1, healthReason: 'error' });
    const d = decideProbe(state, fail('auth_failed'), NOW, settings);
    expect(kinds(d.events)).toEqual(['status:unhealthy']);
    expect(d.next).toMatchObject({ healthReason: 'auth_failed', failureCycles: 2 });
  });

  it('given unhealthy (auth_failed), when refused again, then only the cycle count moves', () => {
    const state = given({ status: 'unhealthy', failureCycles: 1, healthReason: 'auth_failed' });
    const d = decideProbe(state, fail('auth_failed'), NOW, settings);
    expect(d.events).toEqual([]);
    expect(d.next.failureCycles).toBe(2);
  });

  it('given unhealthy (auth_failed), when a plain error follows, then a status change says error', () => {
    const state = given({ status: 'unhealthy', failureCycles: 1, healthReason: 'auth_failed' });
    const d = decideProbe(state, fail('error'), NOW, settings);
    expect(kinds(d.events)).toEqual(['status:unhealthy']);
    expect(d.next.healthReason).toBe('error');
  });

  it('given unhealthy (timeout), when an error follows, then nothing is appended (as last_error)', () => {
    const state = given({ status: 'unhealthy', failureCycles: 1, healthReason: 'timeout' });
    expect(decideProbe(state, fail('error'), NOW, settings).events).toEqual([]);
  });

  it('given unhealthy (auth_failed), when the probe succeeds, then healthy with reason null', () => {
    const state = given({ status: 'unhealthy', failureCycles: 2, healthReason: 'auth_failed' });
    const d = decideProbe(state, ok(), NOW, settings);
    expect(kinds(d.events)).toEqual(['status:healthy', 'recovery']);
    expect(d.events[0]).toMatchObject({ metadata: { health_reason: null } });
    expect(d.next.healthReason).toBeNull();
  });

  it('given failing cycles, when the last allowed fails, then auto_disabled is the reason', () => {
    const d = decideProbe(
      given({ status: 'unhealthy', failureCycles: 2 }),
      fail('auth_failed'),
      NOW,
      settings,
    );
    expect(kinds(d.events)).toEqual(['status:inactive', 'auto_disabled']);
    expect(d.next.healthReason).toBe('auto_disabled');
  });

  it('given enabled, when an admin disables it, then manual; enabling clears it', () => {
    const off = decideDisable(given({ status: 'healthy' }), { actor: 'alice' }, NOW);
    expect(off.next.healthReason).toBe('manual');
    const on = decideEnable(off.next, { actor: 'alice' }, NOW);
    expect(on.next.healthReason).toBeNull();
  });
});

describe('protocol_version and tool drift', () => {
  const modern = (over: Partial<ProbeResult> = {}): ProbeResult => ({
    ...ok(10, 2),
    protocol_version: '2026-07-28',
    tools_hash: 'sha256:aaa',
    ...over,
  });

  it('given a new MCP, when the first probe succeeds, then the status change carries version and hash', () => {
    const d = decideProbe(given(), modern(), NOW, settings);
    expect(d.events[0]).toMatchObject({
      metadata: { protocol_version: '2026-07-28', tools_hash: 'sha256:aaa', health_reason: null },
    });
    expect(d.next).toMatchObject({ protocolVersion: '2026-07-28', toolsHash: 'sha256:aaa' });
  });

  it('given healthy, when the hash changes with the same count, then tools_changed names the tools', () => {
    const state = given({
      status: 'healthy',
      toolsCount: 2,
      toolsHash: 'sha256:aaa',
      protocolVersion: '2026-07-28',
    });
    const diff = { added: ['c'], removed: ['b'], changed: ['a'] };
    const d = decideProbe(
      state,
      modern({ tools_hash: 'sha256:bbb', tools_diff: diff }),
      NOW,
      settings,
    );
    expect(kinds(d.events)).toEqual(['tools_changed']);
    expect(d.events[0]).toMatchObject({
      data: {
        tools_count: 2,
        previous_tools_count: 2,
        tools_hash: 'sha256:bbb',
        previous_tools_hash: 'sha256:aaa',
        ...diff,
      },
    });
    expect(d.next.toolsHash).toBe('sha256:bbb');
    valid(d.events);
  });

  it('given healthy with no hash yet, when one arrives, then it is recorded silently', () => {
    const state = given({ status: 'healthy', toolsCount: 2, protocolVersion: '2026-07-28' });
    const d = decideProbe(state, modern(), NOW, settings);
    expect(d.events).toEqual([]);
    expect(d.next.toolsHash).toBe('sha256:aaa');
  });

  it('given healthy on 2025-06-18, when the server now speaks 2026-07-28, then a healthy status change says so', () => {
    const state = given({
      status: 'healthy',
      toolsCount: 2,
      toolsHash: 'sha256:aaa',
      protocolVersion: '2025-06-18',
    });
    const d = decideProbe(state, modern(), NOW, settings);
    expect(kinds(d.events)).toEqual(['status:healthy']);
    expect(d.events[0]).toMatchObject({
      metadata: { reason: 'protocol_version', protocol_version: '2026-07-28' },
    });
    expect(d.next.protocolVersion).toBe('2026-07-28');
  });

  it('given healthy, when list_changed brings a new hash, then decideTools fires tools_changed', () => {
    const state = given({ status: 'healthy', toolsCount: 3, toolsHash: 'sha256:aaa' });
    const d = decideTools(
      state,
      { count: 3, hash: 'sha256:ccc', diff: { added: [], removed: [], changed: ['echo'] } },
      NOW,
    );
    expect(kinds(d.events)).toEqual(['tools_changed']);
    expect(d.events[0]).toMatchObject({ data: { changed: ['echo'], tools_hash: 'sha256:ccc' } });
  });

  it('given unhealthy, when list_changed brings a new hash, then it is noted, not news', () => {
    const state = given({ status: 'unhealthy', toolsCount: 3, toolsHash: 'sha256:aaa' });
    const d = decideTools(state, { count: 3, hash: 'sha256:ddd' }, NOW);
    expect(d.events).toEqual([]);
    expect(d.next.toolsHash).toBe('sha256:ddd');
  });

  it('given the same hash, when tools are re-listed, then nothing', () => {
    const state = given({ status: 'healthy', toolsCount: 3, toolsHash: 'sha256:aaa' });
    expect(decideTools(state, { count: 3, hash: 'sha256:aaa' }, NOW).events).toEqual([]);
  });
});

describe('decideHealthCheckOff', () => {
  const by = { actor: 'alice', command_id: 'c-9' };
  it('given healthy, when health_check is turned off, then unknown with reason health_check_disabled', () => {
    const d = decideHealthCheckOff(given({ status: 'healthy', failureCycles: 0 }), by, NOW);
    expect(kinds(d.events)).toEqual(['status:unknown']);
    expect(d.events[0]).toMatchObject({
      actor: 'alice',
      metadata: {
        reason: 'health_check_disabled',
        health_reason: 'health_check_disabled',
        enabled: true,
      },
    });
    expect(d.next).toMatchObject({ status: 'unknown', healthReason: 'health_check_disabled' });
    valid(d.events);
  });
  it('given auto-disabled, when health_check is turned off, then the auto-disable is lifted', () => {
    const state = given({
      status: 'inactive',
      autoDisabled: true,
      reprobeAttempt: 3,
      failureCycles: 3,
    });
    const d = decideHealthCheckOff(state, by, NOW);
    expect(d.next).toMatchObject({ autoDisabled: false, failureCycles: 0, reprobeAttempt: 0 });
    expect(d.reprobeAt).toBeNull();
  });
  it('given already off or disabled, then nothing', () => {
    expect(
      decideHealthCheckOff(given({ healthReason: 'health_check_disabled' }), by, NOW).events,
    ).toEqual([]);
    expect(
      decideHealthCheckOff(given({ status: 'inactive', disabled: true }), by, NOW).events,
    ).toEqual([]);
  });
  it('a registered MCP with health_check false starts unknown with that reason', () => {
    expect(initialState('x', true, false)).toMatchObject({
      status: 'unknown',
      healthReason: 'health_check_disabled',
    });
    expect(initialState('x', false, false).healthReason).toBeNull();
  });
});

describe('reprobeDelay', () => {
  it('doubles from the base and stops at the cap', () => {
    expect([0, 1, 2, 3, 10].map((a) => reprobeDelay(a, settings))).toEqual([
      1_000, 2_000, 4_000, 8_000, 8_000,
    ]);
  });
});

// ---- every decision above, folded -------------------------------------------------------------

/** The projection row a successor would read for `state` (config enabled: admins toggle rows). */
function rowOf(state: McpState): McpStatus {
  const config = McpConfig.parse({
    name: state.name,
    transport: { type: 'streamable-http', url: 'http://127.0.0.1:7200/mcp' },
  });
  return {
    ...initialRow(config),
    health_status: state.status,
    failure_cycles: state.failureCycles,
    auto_disabled: state.autoDisabled,
    enabled: !state.disabled && !state.autoDisabled,
    tools_count: state.toolsCount,
    health_reason: state.healthReason,
    protocol_version: state.protocolVersion,
    tools_hash: state.toolsHash,
  };
}

let folded = 0;
afterEach(() => {
  for (const { state, d } of decisions.splice(0)) {
    folded++;
    // Rebuilding from what the decision records equals its next state.
    const recordedEvents: RegistryEvent[] =
      d.noted === undefined ? d.events : [...d.events, d.noted];
    expect(recordedEvents.reduce(evolve, state)).toEqual(d.next);
    // A noted change is one the log did not carry.
    if (d.noted !== undefined)
      expect(evolve(d.events.reduce(evolve, state), d.noted)).not.toEqual(
        d.events.reduce(evolve, state),
      );

    // The successor's rebuild: the projection row with the appended events, plus the counters
    // saved beside the log, agrees with `next`; a noted tool count is the one thing it lacks.
    const rows = new Map([[state.name, rowOf(state)]]);
    for (const e of d.events) applyEvent(rows, LogEvent.parse(e), '1-0');
    const rebuilt = stateFromRow(rows.get(state.name)!, {
      failureCycles: d.next.failureCycles,
      reprobeAttempt: d.next.reprobeAttempt,
    });
    const lostTools = {
      ...(d.noted?.tools_count !== undefined ? { toolsCount: state.toolsCount } : {}),
      ...(d.noted?.tools_hash !== undefined ? { toolsHash: state.toolsHash } : {}),
    };
    expect(rebuilt).toEqual({ ...d.next, ...lostTools });
  }
});
afterAll(() => {
  expect(folded).toBeGreaterThan(20);
});
