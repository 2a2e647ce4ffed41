// Remembers a view's verdict per MCP name, so pattern matching runs once per (view, name) and
// not again for every probe digest, resume or new connection. Names get small integer ids
// (shared by every view) and each view keeps one byte per id, so a view's cache costs at most
// a byte per MCP the edge has seen. Ids of removed MCPs are dropped; once as many ids are dead
// as alive (or a hard cap is hit), every id is forgotten and caches refill lazily.
import type { NameFilter } from '@beacon/protocol';

const HARD_CAP = 1 << 20;
const UNKNOWN = 0;
const YES = 1;
const NO = 2;

export interface NameIds {
  /** The id of `name`, assigned on first sight. */
  idOf(name: string): number;
  /** The MCP was removed: its id may go (caches are reset once many ids are dead). */
  forget(name: string): void;
  /** Bumped whenever all ids were forgotten; caches of an older era are stale. */
  readonly era: number;
  readonly size: number;
}

export function createNameIds(options: { readonly hardCap?: number } = {}): NameIds {
  const hardCap = options.hardCap ?? HARD_CAP;
  const ids = new Map<string, number>();
  let next = 0;
  let era = 0;
  const reset = (): void => {
    ids.clear();
    next = 0;
    era++;
  };
  return {
    idOf(name) {
      let id = ids.get(name);
      if (id === undefined) {
        if (next >= hardCap) reset();
        id = next++;
        ids.set(name, id);
      }
      return id;
    },
    forget(name) {
      if (!ids.delete(name)) return;
      const dead = next - ids.size;
      if (dead > 1024 && dead > ids.size) reset();
    },
    get era() {
      return era;
    },
    get size() {
      return ids.size;
    },
  };
}

/** `test`, answering from the cache when this name was tested before. */
export function memoized(test: NameFilter, ids: NameIds): NameFilter {
  let verdicts = new Uint8Array(0);
  let era = ids.era;
  return (name) => {
    const id = ids.idOf(name);
    if (era !== ids.era) {
      verdicts = new Uint8Array(0);
      era = ids.era;
    }
    if (id >= verdicts.length) {
      const grown = new Uint8Array(Math.max(64, verdicts.length * 2, id + 1));
      grown.set(verdicts);
      verdicts = grown;
    }
    const known = verdicts[id];
    if (known !== UNKNOWN) return known === YES;
    const ok = test(name);
    verdicts[id] = ok ? YES : NO;
    return ok;
  };
}
