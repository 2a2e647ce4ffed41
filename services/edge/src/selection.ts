// What one connection receives: the token's `mcps` claim (a hard limit) narrowed by the
// client's subscribe/unsubscribe messages. Pure; the session layer turns a View into uWS topic
// subscriptions (`fleet` when it sees everything, else one `mcp/<name>` topic per visible MCP).
// Views with globs remember their verdict per name (view-memo.ts), and equal views are shared
// between connections, so a name is matched once per distinct view, not per event or socket.
import { isPattern, nameFilter, type NameFilter } from '@beacon/protocol';
import { createNameIds, memoized } from './view-memo.js';

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

/** Name ids shared by every view's verdict cache. */
const nameIds = createNameIds();
/**
 * Views in use, by key, so equal views (same token claim and selection) share one verdict
 * cache. Weak: a view no connection holds any more is collected, and its entry goes with it.
 */
const shared = new Map<string, WeakRef<View>>();
const collected = new FinalizationRegistry<string>((key) => {
  if (shared.get(key)?.deref() === undefined) shared.delete(key);
});

/** An MCP was removed: its cached verdicts may go. */
export function forgetName(name: string): void {
  nameIds.forget(name);
}

export function viewOf(tokenMcps: readonly string[] | null, sel: Selection): View {
  const token = tokenMcps === null || hasStar(tokenMcps) ? null : tokenMcps;
  const include = sel.include === null || hasStar(sel.include) ? null : sel.include;
  const all = token === null && include === null && sel.exclude.length === 0;
  const key = all ? '*' : JSON.stringify([token, include, sel.exclude]);
  const hit = shared.get(key)?.deref();
  if (hit !== undefined) return hit;
  const view = buildView(token, include, sel.exclude, all, key);
  shared.set(key, new WeakRef(view));
  collected.register(view, key);
  return view;
}

function buildView(
  token: readonly string[] | null,
  include: readonly string[] | null,
  exclude: readonly string[],
  all: boolean,
  key: string,
): View {
  const tf = nameFilter(token);
  const inf = nameFilter(include);
  const ex = exclude.length === 0 ? null : nameFilter(exclude);
  const direct: NameFilter = (n) => tf(n) && inf(n) && (ex === null || !ex(n));
  const globs = [token, include, exclude].some((l) => l !== null && l.some(isPattern));
  // Exact-name views are a few Set lookups already: only globs are worth a cache.
  const test: NameFilter = all ? () => true : globs ? memoized(direct, nameIds) : direct;
  const et = exactNames(token);
  const ei = exactNames(include);
  let exact: string[] | null = null;
  if (et !== null && ei !== null) exact = et.filter((n) => ei.includes(n));
  else exact = et ?? ei;
  if (exact !== null) exact = exact.filter((n) => test(n));
  return Object.freeze({ all, test, key, exact });
}
