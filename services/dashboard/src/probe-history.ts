// Recent probe samples per MCP (from the registry's `probe_digest`), for the latency chart: a
// fixed-size ring of typed arrays per MCP, so a fleet of thousands costs a few KB each however
// long the page stays open. Points are rebuilt lazily, only for the MCP being looked at.
import type { ProbeSample } from '@beacon/protocol';

export interface ProbePoint {
  /** Epoch ms the probe finished. */
  readonly t: number;
  readonly latency: number | null;
  readonly ok: boolean;
}

export interface ProbeHistory {
  /** Append samples (a sample not newer than its MCP's last one is ignored). */
  add(samples: readonly ProbeSample[]): void;
  /** Oldest first; the same array until the MCP gets a new sample. */
  points(name: string): readonly ProbePoint[];
  /** Drop the rings of MCPs no longer in the fleet. */
  retain(has: (name: string) => boolean): void;
  readonly size: number;
}

interface Ring {
  readonly t: Float64Array;
  /** NaN = no latency measured. */
  readonly latency: Float64Array;
  readonly ok: Uint8Array;
  start: number;
  length: number;
  cache: ProbePoint[] | null;
}

export const PROBE_POINTS = 300;

export function createProbeHistory(capacity = PROBE_POINTS): ProbeHistory {
  const rings = new Map<string, Ring>();
  const empty: readonly ProbePoint[] = Object.freeze([]);

  const ringOf = (name: string): Ring => {
    let r = rings.get(name);
    if (r === undefined) {
      r = {
        t: new Float64Array(capacity),
        latency: new Float64Array(capacity),
        ok: new Uint8Array(capacity),
        start: 0,
        length: 0,
        cache: null,
      };
      rings.set(name, r);
    }
    return r;
  };

  return {
    add(samples) {
      for (const s of samples) {
        const t = Date.parse(s.checked_at);
        if (Number.isNaN(t)) continue;
        const r = ringOf(s.name);
        if (r.length > 0 && r.t[(r.start + r.length - 1) % capacity]! >= t) continue;
        let i: number;
        if (r.length < capacity) {
          i = (r.start + r.length) % capacity;
          r.length++;
        } else {
          i = r.start;
          r.start = (r.start + 1) % capacity;
        }
        r.t[i] = t;
        r.latency[i] = s.latency_ms ?? Number.NaN;
        r.ok[i] = s.ok ? 1 : 0;
        r.cache = null;
      }
    },
    points(name) {
      const r = rings.get(name);
      if (r === undefined) return empty;
      if (r.cache === null) {
        const out: ProbePoint[] = new Array<ProbePoint>(r.length);
        for (let k = 0; k < r.length; k++) {
          const i = (r.start + k) % capacity;
          const l = r.latency[i]!;
          out[k] = { t: r.t[i]!, latency: Number.isNaN(l) ? null : l, ok: r.ok[i] === 1 };
        }
        r.cache = out;
      }
      return r.cache;
    },
    retain(has) {
      for (const name of [...rings.keys()]) if (!has(name)) rings.delete(name);
    },
    get size() {
      return rings.size;
    },
  };
}
