// The leader's in-memory breakers: one state + resolved config per MCP, fed through decide(),
// with bookkeeping of what a batch touched (to save) and removed (to delete), and the schedule
// of OPEN waits (to tick).
import type { HealthEvent, McpConfig } from '@beacon/protocol';
import { decide, type BreakerInput } from './decide.js';
import { createDueTimes, type DueTimes } from './due.js';
import type { FleetChange } from './fleet.js';
import { resolveConfig, type BreakerConfig, type BreakerDefaults } from './settings.js';
import { newBreaker, reconfigure, stateFromJson, stateToJson, type BreakerState } from './state.js';

export interface Breaker {
  state: BreakerState;
  config: BreakerConfig;
}

export interface Breakers {
  get(name: string): Breaker | undefined;
  readonly size: number;
  values(): IterableIterator<Breaker>;
  /** The MCP's breaker, created CLOSED if it has none. */
  ensure(name: string, mcp: McpConfig | undefined): Breaker;
  /** Apply one input to the MCP's breaker (created CLOSED on first use). */
  apply(
    name: string,
    mcp: McpConfig | undefined,
    input: BreakerInput,
    now: number,
  ): readonly HealthEvent[];
  /** Load a saved state; throws when it does not parse. */
  load(name: string, json: string, mcp: McpConfig | undefined): void;
  /** Record what the Redis due set holds (at load). */
  persistedDue(name: string, at: number): void;
  /** Replace a breaker's state wholesale (adoption from the log). */
  replace(name: string, state: BreakerState): void;
  fleetChange(change: FleetChange, mcp: McpConfig | undefined): void;
  readonly due: DueTimes;
  /** What changed since the last takeChanges(): JSON of touched states, names to delete. */
  takeChanges(): {
    readonly set: Map<string, string>;
    readonly del: string[];
    readonly dueAdd: Map<string, number>;
    readonly dueRem: string[];
  };
  clear(): void;
}

export function createBreakers(defaults: BreakerDefaults): Breakers {
  const map = new Map<string, Breaker>();
  const due = createDueTimes();
  let touched = new Set<string>();
  let deleted = new Set<string>();
  /** What the Redis due set holds, so a batch only sends the due times that changed. */
  const persistedDue = new Map<string, number>();

  const touch = (name: string, b: Breaker): void => {
    touched.add(name);
    deleted.delete(name);
    const s = b.state;
    due.set(name, s.circuit === 'open' && s.forced === null ? s.open_until : null);
  };

  function ensure(name: string, mcp: McpConfig | undefined): Breaker {
    let b = map.get(name);
    if (b === undefined) {
      const config = resolveConfig(defaults, mcp);
      b = { state: newBreaker(name, config), config };
      map.set(name, b);
    }
    return b;
  }

  return {
    get: (name) => map.get(name),
    get size() {
      return map.size;
    },
    values: () => map.values(),
    due,
    ensure,

    apply(name, mcp, input, now) {
      const b = ensure(name, mcp);
      const d = decide(b.state, input, now, b.config);
      b.state = d.state;
      touch(name, b);
      return d.events;
    },

    load(name, json, mcp) {
      const config = resolveConfig(defaults, mcp);
      const b = { state: stateFromJson(name, json, config), config };
      map.set(name, b);
      const s = b.state;
      due.set(name, s.circuit === 'open' && s.forced === null ? s.open_until : null);
    },

    persistedDue(name, at) {
      persistedDue.set(name, at);
    },

    replace(name, state) {
      const b = map.get(name);
      if (b === undefined) return;
      b.state = state;
      touch(name, b);
    },

    fleetChange(change, mcp) {
      const name = change.name;
      switch (change.kind) {
        case 'removed':
          if (map.delete(name)) due.set(name, null);
          touched.delete(name);
          deleted.add(name);
          return;
        case 'registered': {
          // The log reset this MCP's projection row (circuit closed, no numbers): so do we.
          const had = map.delete(name);
          due.set(name, null);
          if (had) deleted.add(name);
          touched.delete(name);
          return;
        }
        case 'config': {
          const b = map.get(name);
          if (b === undefined) return;
          const config = resolveConfig(defaults, mcp);
          if (JSON.stringify(config) === JSON.stringify(b.config)) return;
          b.config = config;
          b.state = reconfigure(b.state, config);
          touch(name, b);
          return;
        }
      }
    },

    takeChanges() {
      const set = new Map<string, string>();
      const dueAdd = new Map<string, number>();
      const dueRem: string[] = [];
      for (const name of touched) {
        const b = map.get(name);
        if (b === undefined) continue;
        set.set(name, stateToJson(b.state));
        const s = b.state;
        const want = s.circuit === 'open' && s.forced === null ? s.open_until : null;
        const have = persistedDue.get(name);
        if (want !== null && want !== have) {
          dueAdd.set(name, want);
          persistedDue.set(name, want);
        } else if (want === null && have !== undefined) {
          dueRem.push(name);
          persistedDue.delete(name);
        }
      }
      const del = [...deleted];
      for (const name of del) {
        dueRem.push(name);
        persistedDue.delete(name);
      }
      touched = new Set();
      deleted = new Set();
      return { set, del, dueAdd, dueRem };
    },

    clear() {
      map.clear();
      due.clear();
      persistedDue.clear();
      touched = new Set();
      deleted = new Set();
    },
  };
}
