// What one connection receives: the token's `mcps` claim (a hard limit) narrowed by the
// client's subscribe/unsubscribe messages. Pure; the session layer turns a View into uWS topic
// subscriptions (`fleet` when it sees everything, else one `mcp/<name>` topic per visible MCP).
import { isPattern, nameFilter, type NameFilter } from '@beacon/protocol';

export interface Selection {
  /** Patterns asked for; null = everything the token allows. */
  readonly include: readonly string[] | null;
  /** Patterns unsubscribed from while including everything (or a glob). */
  readonly exclude: readonly string[];
}

export const EVERYTHING: Selection = Object.freeze({ include: null, exclude: [] });

const hasStar = (list: readonly string[]): boolean => list.includes('*');
const dedupe = (list: readonly string[]): string[] => [...new Set(list)].sort();

/**
 * `subscribe`: the first one narrows "everything" to the given names; later ones add to it;
 * `*` goes back to everything.
 */
export function subscribeTo(sel: Selection, mcps: readonly string[]): Selection {
  if (hasStar(mcps)) return EVERYTHING;
  const remove = new Set(mcps);
  return {
    include: dedupe([...(sel.include ?? []), ...mcps]),
    exclude: sel.exclude.filter((p) => !remove.has(p)),
  };
}

/** `unsubscribe`: drop the given names/patterns; `*` unsubscribes from everything. */
export function unsubscribeFrom(sel: Selection, mcps: readonly string[]): Selection {
  if (hasStar(mcps)) return { include: [], exclude: [] };
  const remove = new Set(mcps);
  const include = sel.include === null ? null : sel.include.filter((p) => !remove.has(p));
  // Exclusions only matter where a glob (or "everything") could still let the name through.
  const needsExclude = include === null || include.some(isPattern);
  return { include, exclude: needsExclude ? dedupe([...sel.exclude, ...mcps]) : [] };
}

export interface View {
  /** Sees every MCP: subscribe to the `fleet` topic. */
  readonly all: boolean;
  readonly test: NameFilter;
  /** Stable key for caching per-view initial_status. */
  readonly key: string;
  /**
   * Names that can possibly pass `test` without looking at the fleet (only exact names in the
   * token or the selection); null when globs are involved and new MCPs must be checked.
   */
  readonly exact: readonly string[] | null;
}

function exactNames(list: readonly string[] | null): string[] | null {
  if (list === null || list.some(isPattern)) return null;
  return [...list];
}

export function viewOf(tokenMcps: readonly string[] | null, sel: Selection): View {
  const token = tokenMcps === null || hasStar(tokenMcps) ? null : tokenMcps;
  const include = sel.include === null || hasStar(sel.include) ? null : sel.include;
  const all = token === null && include === null && sel.exclude.length === 0;
  const tf = nameFilter(token);
  const inf = nameFilter(include);
  const ex = sel.exclude.length === 0 ? null : nameFilter(sel.exclude);
  const test: NameFilter = all ? () => true : (n) => tf(n) && inf(n) && (ex === null || !ex(n));
  const et = exactNames(token);
  const ei = exactNames(include);
  let exact: string[] | null = null;
  if (et !== null && ei !== null) exact = et.filter((n) => ei.includes(n));
  else exact = et ?? ei;
  if (exact !== null) exact = exact.filter((n) => test(n));
  return Object.freeze({
    all,
    test,
    key: all ? '*' : JSON.stringify([token, include, sel.exclude]),
    exact,
  });
}
