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
//
// Outcome classification (resilience4j's record/ignore): a failed call has a kind (error,
// timeout, disconnected, auth_failed). A kind in `record` is a failure, in `ignore` counts as
// nothing (tallied only), in neither a success; a gateway's `not_permitted` (it asked, the
// breaker said no) is only tallied. `metrics_only` runs every threshold but, instead of
// opening, reports one `failure` with `would_open: true` per episode.
import type { CallOutcome, FailureKind, HealthEvent, ProbeResult } from '@beacon/protocol';
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

/** The failure kind of a probe result (null: it succeeded, perhaps slowly). */
export function probeFailureKind(p: ProbeResult): FailureKind | null {
  return p.outcome === 'success' || p.outcome === 'slow' ? null : p.outcome;
}

/** The failure kind of a gateway's call outcome; `not_permitted`: no call was made. */
export function callFailureKind(o: CallOutcome): FailureKind | 'not_permitted' | null {
  switch (o.outcome) {
    case 'success':
      return null;
    case 'failure':
      return 'error';
    default:
      return o.outcome;
  }
}

export type Classification =
  | { readonly counts: 'call'; readonly code: CallCode; readonly kind: FailureKind | null }
  | { readonly counts: 'ignored'; readonly kind: FailureKind }
  | { readonly counts: 'not_permitted' };

/** How a probe or call counts under this MCP's record/ignore lists and slow-call threshold. */
export function classify(
  input: Extract<BreakerInput, { type: 'probe' | 'outcome' }>,
  config: BreakerConfig,
): Classification {
  const kind =
    input.type === 'probe' ? probeFailureKind(input.result) : callFailureKind(input.outcome);
  if (kind === 'not_permitted') return { counts: 'not_permitted' };
  if (kind !== null && config.ignore.includes(kind)) return { counts: 'ignored', kind };
  const failed = kind !== null && config.record.includes(kind);
  const latency =
    input.type === 'probe' ? (input.result.latency_ms ?? 0) : input.outcome.latency_ms;
  const slow =
    (input.type === 'probe' && input.result.outcome === 'slow') ||
    latency >= config.slow_call_duration_ms;
  return { counts: 'call', code: ((failed ? FAILED : 0) | (slow ? SLOW : 0)) as CallCode, kind };
}

function tally(s: BreakerState, kind: FailureKind | null): BreakerState {
  return kind === null ? s : { ...s, kinds: { ...s.kinds, [kind]: s.kinds[kind] + 1 } };
}

export function decide(
  state: BreakerState,
  input: BreakerInput,
  now: number,
  config: BreakerConfig,
): Decision {
  const e: Emitter = { state, events: [] };
  halfOpenIfDue(e, now, config);
  closeIfMetricsOnly(e, now, config);
  switch (input.type) {
    case 'tick':
      advance(e.state.window, now);
      break;
    case 'command':
      command(e, input, now, config);
      break;
    case 'probe':
    case 'outcome': {
      const c = classify(input, config);
      if (c.counts === 'not_permitted') {
        e.state = { ...e.state, not_permitted_calls: e.state.not_permitted_calls + 1 };
        break;
      }
      e.state = tally(e.state, c.kind);
      if (c.counts === 'ignored') {
        e.state = { ...e.state, ignored_outcomes: e.state.ignored_outcomes + 1 };
        break;
      }
      const code = c.code;
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

/**
 * A breaker switched to metrics_only while OPEN or HALF_OPEN (by the breaker itself, not by an
 * operator's force_open) closes: metrics_only never keeps a circuit open.
 */
function closeIfMetricsOnly(e: Emitter, now: number, config: BreakerConfig): void {
  const s = e.state;
  if (config.mode !== 'metrics_only' || s.circuit === 'closed' || s.forced !== null) return;
  e.state = closedState(s, null, now);
  emit(e, config, 'circuit_closed', now, { reason: 'metrics_only', previous: s.circuit });
}

function open(e: Emitter, now: number, config: BreakerConfig, data: Record<string, unknown>): void {
  const opens = e.state.opens + 1;
  const wait = openWait(config, opens, `${e.state.name}@${now}`);
  e.state = {
    ...e.state,
    circuit: 'open',
    degraded: false,
    not_permitted_calls: 0,
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
  if (trip !== null && config.mode === 'metrics_only') {
    // Reported once per episode; the episode ends with `recovery` below.
    if (e.state.tripped) return;
    e.state = { ...e.state, tripped: true, degraded: true };
    emit(e, config, 'failure', now, {
      ...trip,
      would_open: true,
      mode: 'metrics_only',
      source,
      ...windowFigures(e.state),
    });
    return;
  }
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
    e.state = { ...e.state, degraded: false, tripped: false };
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
        not_permitted_calls: 0,
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
