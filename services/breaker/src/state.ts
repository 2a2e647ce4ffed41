// The state of one circuit breaker, the numbers it shows in the projection (`breaker`), and its
// durable JSON form (one field per MCP in the worker's Redis state hash).
import { z } from 'zod';
import { FAILURE_KINDS, type CircuitState, type FailureKind } from '@beacon/protocol';
import type { BreakerConfig } from './settings.js';
import {
  countWindow,
  counts,
  emptyLike,
  timeWindow,
  windowFromJson,
  windowMatches,
  windowToJson,
  type SlidingWindow,
} from './window.js';

export interface BreakerState {
  readonly name: string;
  readonly circuit: CircuitState;
  /** Set by force_open / force_closed; only `reset` (or the other force) clears it. */
  readonly forced: 'open' | 'closed' | null;
  /** Number of events this breaker has emitted; each event carries its own in `breaker.seq`. */
  readonly seq: number;
  /** Calls recorded while CLOSED. Updated in place (see window.ts). */
  readonly window: SlidingWindow;
  readonly consecutive_failures: number;
  /** A `failure` warning is outstanding (ends with `recovery`, an opening, or a close). */
  readonly degraded: boolean;
  /** Openings since the circuit last closed: drives the exponential wait. */
  readonly opens: number;
  readonly opened_at: number | null;
  /** When OPEN turns HALF_OPEN (null while closed, half-open or forced open). */
  readonly open_until: number | null;
  /** Calls seen in the current HALF_OPEN period, and how many of them succeeded. */
  readonly trial_calls: number;
  readonly trial_successes: number;
  /** Calls reported while OPEN (a gateway that did not ask for a permit, or raced the change). */
  readonly ignored_calls: number;
  /** Time of the last circuit transition. */
  readonly changed_at: number | null;
  /** Failed calls by kind since the circuit last closed (recorded or not). */
  readonly kinds: Readonly<Record<FailureKind, number>>;
  /** Calls of an ignored kind since the circuit last closed (not in the window). */
  readonly ignored_outcomes: number;
  /** Calls gateways did not make because the breaker refused them, since it last opened. */
  readonly not_permitted_calls: number;
  /** metrics_only: a threshold was crossed and reported (`would_open`), not yet recovered. */
  readonly tripped: boolean;
}

export function noKinds(): Record<FailureKind, number> {
  return { error: 0, timeout: 0, disconnected: 0, auth_failed: 0 };
}

/** A new breaker: CLOSED, empty window of the configured shape. */
export function newBreaker(name: string, config: BreakerConfig): BreakerState {
  const w =
    config.window_type === 'count'
      ? countWindow(config.window_size)
      : timeWindow(config.window_size);
  return initialState(name, w);
}

export function initialState(name: string, window: SlidingWindow): BreakerState {
  return {
    name,
    circuit: 'closed',
    forced: null,
    seq: 0,
    window,
    consecutive_failures: 0,
    degraded: false,
    opens: 0,
    opened_at: null,
    open_until: null,
    trial_calls: 0,
    trial_successes: 0,
    ignored_calls: 0,
    changed_at: null,
    kinds: noKinds(),
    ignored_outcomes: 0,
    not_permitted_calls: 0,
    tripped: false,
  };
}

/** A closed circuit with fresh statistics (what closing and `reset` lead to). */
export function closedState(s: BreakerState, forced: 'closed' | null, at: number): BreakerState {
  return {
    ...s,
    circuit: 'closed',
    forced,
    window: emptyLike(s.window),
    consecutive_failures: 0,
    degraded: false,
    opens: 0,
    opened_at: null,
    open_until: null,
    trial_calls: 0,
    trial_successes: 0,
    changed_at: at,
    kinds: noKinds(),
    ignored_outcomes: 0,
    tripped: false,
  };
}

/** Percent with two decimals, null for an empty window. */
export function rate(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 10_000) / 100;
}

export type Numbers = Record<string, number | string | null>;

/** The window's figures and the failure streak: in transition events and in `numbers`. */
export function windowFigures(s: BreakerState): Record<string, number | null> {
  const c = counts(s.window);
  return {
    calls: c.calls,
    failures: c.failures,
    slow_calls: c.slow,
    failure_rate: rate(c.failures, c.calls),
    slow_call_rate: rate(c.slow, c.calls),
    consecutive_failures: s.consecutive_failures,
  };
}

/** What the projection's `breaker` field shows (and what a new leader can check itself against). */
export function numbers(s: BreakerState, config: BreakerConfig): Numbers {
  return {
    seq: s.seq,
    forced: s.forced,
    window_type: config.window_type,
    window_size: config.window_size,
    ...windowFigures(s),
    degraded: s.degraded ? 1 : 0,
    opens: s.opens,
    opened_at: s.opened_at,
    open_until: s.open_until,
    trial_calls_permitted: config.half_open_trial_calls,
    trial_calls: s.trial_calls,
    trial_successes: s.trial_successes,
    successes_needed: config.half_open_successes,
    ignored_calls: s.ignored_calls,
    changed_at: s.changed_at,
    mode: config.mode,
    would_open: s.tripped ? 1 : 0,
    wait_open_jitter: config.wait_open_jitter,
    ...Object.fromEntries(FAILURE_KINDS.map((k) => [`outcomes_${k}`, s.kinds[k]])),
    ignored_outcomes: s.ignored_outcomes,
    not_permitted_calls: s.not_permitted_calls,
  };
}

const WindowJsonSchema = z.union([
  z.object({ kind: z.literal('count'), size: z.number().int().positive(), codes: z.string() }),
  z.object({
    kind: z.literal('time'),
    size_ms: z.number().int().positive(),
    head_slot: z.number().int().nonnegative(),
    bucket_ms: z.number().int().positive(),
    slots: z.array(z.tuple([z.number(), z.number(), z.number(), z.number()])),
  }),
]);

const Nullable = z.number().nullable();
const StateJsonSchema = z.object({
  v: z.literal(1),
  circuit: z.enum(['closed', 'open', 'half_open']),
  forced: z.enum(['open', 'closed']).nullable(),
  seq: z.number().int().nonnegative(),
  window: WindowJsonSchema,
  consecutive_failures: z.number().int().nonnegative(),
  degraded: z.boolean(),
  opens: z.number().int().nonnegative(),
  opened_at: Nullable,
  open_until: Nullable,
  trial_calls: z.number().int().nonnegative(),
  trial_successes: z.number().int().nonnegative(),
  ignored_calls: z.number().int().nonnegative(),
  changed_at: Nullable,
  // Added with outcome classification; states saved before load with zeros.
  kinds: z
    .object({
      error: z.number().int().nonnegative().default(0),
      timeout: z.number().int().nonnegative().default(0),
      disconnected: z.number().int().nonnegative().default(0),
      auth_failed: z.number().int().nonnegative().default(0),
    })
    .default(noKinds()),
  ignored_outcomes: z.number().int().nonnegative().default(0),
  not_permitted_calls: z.number().int().nonnegative().default(0),
  tripped: z.boolean().default(false),
});

export function stateToJson(s: BreakerState): string {
  const { name: _name, window, ...rest } = s;
  return JSON.stringify({ v: 1, ...rest, window: windowToJson(window) });
}

/** Parse a stored state; throws (with the bad field named by zod) when it is not one. */
export function stateFromJson(name: string, json: string, config: BreakerConfig): BreakerState {
  const parsed = StateJsonSchema.parse(JSON.parse(json));
  const { v: _v, window, ...rest } = parsed;
  return {
    ...rest,
    name,
    window: windowFromJson(window, config.window_type, config.window_size),
  };
}

/** Fit the window to a changed config, keeping what still fits (see windowFromJson). */
export function reconfigure(s: BreakerState, config: BreakerConfig): BreakerState {
  if (windowMatches(s.window, config.window_type, config.window_size)) return s;
  const json = windowToJson(s.window);
  return { ...s, window: windowFromJson(json, config.window_type, config.window_size) };
}

const num = (v: unknown, fallback: number): number =>
  typeof v === 'number' && Number.isFinite(v) ? v : fallback;
const numOrNull = (v: unknown): number | null =>
  typeof v === 'number' && Number.isFinite(v) ? v : null;

/**
 * Take the circuit (state, forced, timers, trial counters, seq) from the projection's `breaker`
 * numbers, keeping our window: used when the log is ahead of the saved state (a leader died
 * between appending a batch's events and saving its states, and re-applying the batch did not
 * reproduce them). The log is the truth.
 */
export function adoptFromProjection(
  s: BreakerState,
  circuit: CircuitState,
  n: Numbers,
): BreakerState {
  const forced = n['forced'] === 'open' || n['forced'] === 'closed' ? n['forced'] : null;
  return {
    ...s,
    circuit,
    forced,
    seq: num(n['seq'], s.seq),
    consecutive_failures: num(n['consecutive_failures'], 0),
    degraded: n['degraded'] === 1,
    opens: num(n['opens'], 0),
    opened_at: numOrNull(n['opened_at']),
    open_until: circuit === 'open' && forced === null ? numOrNull(n['open_until']) : null,
    trial_calls: num(n['trial_calls'], 0),
    trial_successes: num(n['trial_successes'], 0),
    ignored_calls: num(n['ignored_calls'], s.ignored_calls),
    changed_at: numOrNull(n['changed_at']),
    kinds: {
      error: num(n['outcomes_error'], s.kinds.error),
      timeout: num(n['outcomes_timeout'], s.kinds.timeout),
      disconnected: num(n['outcomes_disconnected'], s.kinds.disconnected),
      auth_failed: num(n['outcomes_auth_failed'], s.kinds.auth_failed),
    },
    ignored_outcomes: num(n['ignored_outcomes'], s.ignored_outcomes),
    not_permitted_calls: num(n['not_permitted_calls'], s.not_permitted_calls),
    tripped: n['would_open'] === 1,
  };
}
