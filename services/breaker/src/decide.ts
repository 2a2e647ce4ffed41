// The circuit breaker of one MCP as a decision function: decide(state, input, now, config) →
// { state, events }. No I/O, no clock, no randomness: the same state and inputs always give the
// same events (the worker relies on this to re-apply a batch after a crash without duplicates).
//
// Ownership: the sliding window inside `state` is updated in place so that a call costs O(1)
// even for a million-call window; treat the state you pass in as consumed and keep the returned
// one.
//
//   CLOSED ──(consecutive failures | failure rate | slow-call rate)──▶ OPEN
//   OPEN ──(wait elapsed; lazily on any input, or on a tick)──▶ HALF_OPEN
//   HALF_OPEN ──(N successful trials)──▶ CLOSED      HALF_OPEN ──(failed or slow trial)──▶ OPEN
//   force_open / force_closed pin the circuit until `reset` (→ CLOSED, fresh statistics).
import type { CallOutcome, HealthEvent, ProbeResult } from '@beacon/protocol';
import { openWait, type BreakerConfig } from './settings.js';
import { closedState, numbers, windowFigures, type BreakerState } from './state.js';
import { FAILED, SLOW, advance, counts, record, type CallCode } from './window.js';

export type BreakerCommandType = 'force_open' | 'force_closed' | 'reset';

export type BreakerInput =
  | { readonly type: 'probe'; readonly result: ProbeResult }
  | { readonly type: 'outcome'; readonly outcome: CallOutcome }
  /** Time passes (the worker ticks breakers whose OPEN wait is due). */
  | { readonly type: 'tick' }
  | {
      readonly type: 'command';
      readonly command: BreakerCommandType;
      readonly actor: string;
      readonly command_id?: string;
    };

export interface Decision {
  readonly state: BreakerState;
  /** health_event log events, in order; each carries `data.breaker.seq`. */
  readonly events: readonly HealthEvent[];
}

export const WORKER_ACTOR = 'breaker';

type EventType = 'circuit_opened' | 'circuit_half_open' | 'circuit_closed' | 'failure' | 'recovery';

interface Emitter {
  state: BreakerState;
  readonly events: HealthEvent[];
}

function emit(
  e: Emitter,
  config: BreakerConfig,
  eventType: EventType,
  at: number,
  data: Record<string, unknown>,
  who: { readonly actor: string; readonly command_id?: string } = { actor: WORKER_ACTOR },
): void {
  e.state = { ...e.state, seq: e.state.seq + 1 };
  e.events.push({
    type: 'health_event',
    mcp_name: e.state.name,
    event_type: eventType,
    timestamp: new Date(at).toISOString(),
    actor: who.actor,
    ...(who.command_id === undefined ? {} : { command_id: who.command_id }),
    data: { ...data, circuit_state: e.state.circuit, breaker: numbers(e.state, config) },
  });
}

/** How a call counts: failed and/or slow. */
export function classify(input: BreakerInput, config: BreakerConfig): CallCode | null {
  if (input.type === 'outcome') {
    const o = input.outcome;
    const failed = o.outcome !== 'success' ? FAILED : 0;
    const slow = o.latency_ms >= config.slow_call_duration_ms ? SLOW : 0;
    return (failed | slow) as CallCode;
  }
  if (input.type === 'probe') {
    const p = input.result;
    const failed = p.outcome === 'error' || p.outcome === 'timeout' || p.outcome === 'disconnected';
    const slow = p.outcome === 'slow' || (p.latency_ms ?? 0) >= config.slow_call_duration_ms;
    return ((failed ? FAILED : 0) | (slow ? SLOW : 0)) as CallCode;
  }
  return null;
}

export function decide(
  state: BreakerState,
  input: BreakerInput,
  now: number,
  config: BreakerConfig,
): Decision {
  const e: Emitter = { state, events: [] };
  halfOpenIfDue(e, now, config);
  switch (input.type) {
    case 'tick':
      advance(e.state.window, now);
      break;
    case 'command':
      command(e, input, now, config);
      break;
    case 'probe':
    case 'outcome': {
      const code = classify(input, config) ?? 0;
      const source = input.type === 'probe' ? 'probe' : 'gateway';
      if (e.state.circuit === 'closed') closedCall(e, code, source, now, config);
      else if (e.state.circuit === 'half_open') trialCall(e, code, source, now, config);
      else e.state = { ...e.state, ignored_calls: e.state.ignored_calls + 1 };
      break;
    }
    default:
      return input satisfies never;
  }
  return { state: e.state, events: e.events };
}

/** OPEN → HALF_OPEN once the wait is over; the event is stamped with the due time itself. */
function halfOpenIfDue(e: Emitter, now: number, config: BreakerConfig): void {
  const s = e.state;
  if (s.circuit !== 'open' || s.forced !== null || s.open_until === null) return;
  if (now < s.open_until) return;
  const at = s.open_until;
  e.state = {
    ...s,
    circuit: 'half_open',
    open_until: null,
    trial_calls: 0,
    trial_successes: 0,
    changed_at: at,
  };
  emit(e, config, 'circuit_half_open', at, {
    reason: 'wait_elapsed',
    waited_ms: s.opened_at === null ? null : at - s.opened_at,
    trial_calls_permitted: config.half_open_trial_calls,
    successes_needed: config.half_open_successes,
  });
}

function open(e: Emitter, now: number, config: BreakerConfig, data: Record<string, unknown>): void {
  const opens = e.state.opens + 1;
  const wait = openWait(config, opens);
  e.state = {
    ...e.state,
    circuit: 'open',
    degraded: false,
    opens,
    opened_at: now,
    open_until: now + wait,
    trial_calls: 0,
    trial_successes: 0,
    changed_at: now,
  };
  emit(e, config, 'circuit_opened', now, {
    ...data,
    opens,
    wait_ms: wait,
    open_until: new Date(now + wait).toISOString(),
  });
}

/** Which threshold (if any) the state crosses at `fraction` of its configured value. */
function crossed(
  s: BreakerState,
  config: BreakerConfig,
  fraction: number,
): { reason: string; threshold: number } | null {
  const consecutive = Math.ceil(config.consecutive_failures * fraction);
  if (s.consecutive_failures >= consecutive) {
    return { reason: 'consecutive_failures', threshold: consecutive };
  }
  const c = counts(s.window);
  if (c.calls < config.minimum_calls) return null;
  const failureThreshold = config.failure_rate_threshold * fraction;
  if ((c.failures / c.calls) * 100 >= failureThreshold) {
    return { reason: 'failure_rate', threshold: failureThreshold };
  }
  const slowThreshold = config.slow_call_rate_threshold * fraction;
  if ((c.slow / c.calls) * 100 >= slowThreshold) {
    return { reason: 'slow_call_rate', threshold: slowThreshold };
  }
  return null;
}

function closedCall(
  e: Emitter,
  code: CallCode,
  source: string,
  now: number,
  config: BreakerConfig,
): void {
  record(e.state.window, code, now);
  const consecutive = code & FAILED ? e.state.consecutive_failures + 1 : 0;
  e.state = { ...e.state, consecutive_failures: consecutive };
  if (e.state.forced === 'closed') return;
  const trip = crossed(e.state, config, 1);
  if (trip !== null) {
    open(e, now, config, { ...trip, source, ...windowFigures(e.state) });
    return;
  }
  // `failure` warns half-way to opening; `recovery` needs the pressure back under a quarter and
  // a successful last call, so a breaker hovering at one level cannot flap between the two.
  if (!e.state.degraded) {
    const warn = crossed(e.state, config, 0.5);
    if (warn === null) return;
    e.state = { ...e.state, degraded: true };
    emit(e, config, 'failure', now, { ...warn, source, ...windowFigures(e.state) });
  } else if (consecutive === 0 && crossed(e.state, config, 0.25) === null) {
    e.state = { ...e.state, degraded: false };
    emit(e, config, 'recovery', now, {
      reason: 'below_thresholds',
      source,
      ...windowFigures(e.state),
    });
  }
}

function trialCall(
  e: Emitter,
  code: CallCode,
  source: string,
  now: number,
  config: BreakerConfig,
): void {
  const s = e.state;
  const trials = s.trial_calls + 1;
  if (code !== 0) {
    e.state = { ...s, trial_calls: trials };
    open(e, now, config, {
      reason: 'half_open_trial_failed',
      source,
      trial_failed: code & FAILED ? 'failure' : 'slow',
      trial_calls: trials,
      trial_successes: s.trial_successes,
    });
    return;
  }
  const successes = s.trial_successes + 1;
  if (successes < config.half_open_successes) {
    e.state = { ...s, trial_calls: trials, trial_successes: successes };
    return;
  }
  e.state = closedState(s, null, now);
  emit(e, config, 'circuit_closed', now, {
    reason: 'trial_successes',
    source,
    trial_calls: trials,
    trial_successes: successes,
    successes_needed: config.half_open_successes,
  });
}

function command(
  e: Emitter,
  input: Extract<BreakerInput, { type: 'command' }>,
  now: number,
  config: BreakerConfig,
): void {
  const who = { actor: input.actor, command_id: input.command_id };
  const s = e.state;
  switch (input.command) {
    case 'force_open':
      if (s.forced === 'open') return;
      e.state = {
        ...s,
        circuit: 'open',
        forced: 'open',
        degraded: false,
        opened_at: now,
        open_until: null,
        trial_calls: 0,
        trial_successes: 0,
        changed_at: now,
      };
      emit(e, config, 'circuit_opened', now, { reason: 'forced', previous: s.circuit }, who);
      return;
    case 'force_closed':
      if (s.forced === 'closed') return;
      e.state = closedState(s, 'closed', now);
      emit(e, config, 'circuit_closed', now, { reason: 'forced', previous: s.circuit }, who);
      return;
    case 'reset':
      e.state = closedState(s, null, now);
      emit(e, config, 'circuit_closed', now, { reason: 'reset', previous: s.circuit }, who);
      return;
    default:
      input.command satisfies never;
  }
}
