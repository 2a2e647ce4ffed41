// "May a gateway call this MCP now?" answered from the projection's circuit_state and breaker
// numbers. Runtime-neutral: the decision and the Lua that hands out HALF_OPEN trials live here;
// the Node reporter (node/reporter.ts) runs them against Redis.
//
// Semantics:
// - CLOSED → permitted.
// - OPEN → not permitted (also while forced open).
// - HALF_OPEN → a budget of `trial_calls_permitted` calls per half-open period, shared by every
//   gateway through one Redis counter (INCR); calls over the budget are not permitted. The budget
//   renews after `trialWindowMs` so that trial outcomes lost on the way (a gateway crashed) cannot
//   wedge a circuit half-open. The breaker closes after `successes_needed` successful trials and
//   re-opens on the first failed or slow one.
// - An MCP the projection does not know (or whose row cannot be read) is permitted: the breaker
//   only protects what it tracks, and a gateway must not fail closed because of its monitor.
import { encodeField, type CircuitState } from '@beacon/protocol';

export type PermitDecision =
  | { readonly kind: 'permitted' }
  | { readonly kind: 'rejected' }
  /** Ask Redis for one of `budget` trials of the half-open period `seq`. */
  | { readonly kind: 'trial'; readonly seq: number; readonly budget: number };

export type BreakerNumbersLike =
  Readonly<Record<string, number | string | null>> | null | undefined;

/** What the projection row alone says. */
export function permitFromRow(
  circuitState: CircuitState | null | undefined,
  breaker: BreakerNumbersLike,
): PermitDecision {
  switch (circuitState) {
    case 'open':
      return { kind: 'rejected' };
    case 'half_open': {
      const seq = breaker?.['seq'];
      const budget = breaker?.['trial_calls_permitted'];
      // Half-open without numbers (set by something other than the breaker): one trial at a time.
      return {
        kind: 'trial',
        seq: typeof seq === 'number' ? seq : 0,
        budget: typeof budget === 'number' && budget > 0 ? budget : 1,
      };
    }
    case 'closed':
    case null:
    case undefined:
      return { kind: 'permitted' };
  }
}

/**
 * Take one HALF_OPEN trial. KEYS: 1 the MCP's projection hash, 2 the trial counter
 * (keyspace().breakerTrials(name, seq)). ARGV: 1 seq, 2 budget, 3 budget renewal (ms).
 * Field values are compared in the event log's storage encoding (`encodeField`, JSON: the Lua
 * decodes `breaker` with cjson).
 * Returns 1 (permitted), 0 (budget used up, or circuit open), or -1 when the circuit is no longer
 * in that half-open period (the caller's view is stale: re-read the row and decide again).
 */
export const TRIAL_PERMIT_LUA = `
local state = redis.call('HGET', KEYS[1], 'circuit_state')
if state ~= '${encodeField('half_open' satisfies CircuitState)}' then
  if state == '${encodeField('open' satisfies CircuitState)}' then return 0 end
  return -1
end
local raw = redis.call('HGET', KEYS[1], 'breaker')
local seq = 0
if raw then
  local ok, numbers = pcall(cjson.decode, raw)
  if ok and type(numbers) == 'table' and type(numbers['seq']) == 'number' then seq = numbers['seq'] end
end
if seq ~= tonumber(ARGV[1]) then return -1 end
local n = redis.call('INCR', KEYS[2])
if n == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[3]) end
if n <= tonumber(ARGV[2]) then return 1 end
return 0
`;
