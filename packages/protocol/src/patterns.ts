// MCP name patterns with `*` wildcards, as carried by a token's `mcps` claim and by `subscribe`.
// Only `*` is special (any run of characters, also none); a pattern without `*` is an exact name.
// Matching never builds a RegExp: patterns come from clients, and `^.*.*…x$` backtracks
// exponentially. Instead a pattern is split once at its `*`s (runs collapse to one) into an
// anchored prefix, an anchored suffix and the literal segments between, which are found left to
// right, each at its earliest place (greedy is exact for `*`-only globs): O(name × pattern) at
// worst, usually linear.
export type NameFilter = (name: string) => boolean;

/** The pattern with each run of `*` replaced by a single `*` (same meaning). */
export function collapseStars(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c !== '*' || pattern[i - 1] !== '*') out += c;
  }
  return out;
}

/** A matcher for one pattern; `*` alone (or any run of `*`) matches everything. */
export function globMatcher(pattern: string): NameFilter {
  if (!pattern.includes('*')) return (name) => name === pattern;
  const parts = pattern.split('*');
  const prefix = parts[0] as string;
  const suffix = parts[parts.length - 1] as string;
  // Empty parts are the collapsed `*` runs.
  const middle = parts.slice(1, -1).filter((p) => p !== '');
  const minLength = prefix.length + suffix.length + middle.reduce((n, p) => n + p.length, 0);
  if (minLength === 0) return () => true;
  return (name) => {
    if (name.length < minLength || !name.startsWith(prefix) || !name.endsWith(suffix)) {
      return false;
    }
    const end = name.length - suffix.length;
    let pos = prefix.length;
    for (const segment of middle) {
      const at = name.indexOf(segment, pos);
      if (at < 0 || at + segment.length > end) return false;
      pos = at + segment.length;
    }
    return true;
  };
}

/** `null`/`undefined` patterns mean "everything". */
export function nameFilter(patterns: readonly string[] | null | undefined): NameFilter {
  if (patterns === null || patterns === undefined) return () => true;
  const exact = new Set<string>();
  const globs: NameFilter[] = [];
  const seen = new Set<string>();
  for (const p of patterns) {
    if (!p.includes('*')) {
      exact.add(p);
      continue;
    }
    const collapsed = collapseStars(p);
    if (collapsed === '*') return () => true;
    if (seen.has(collapsed)) continue;
    seen.add(collapsed);
    globs.push(globMatcher(collapsed));
  }
  if (globs.length === 0) return (name) => exact.has(name);
  return (name) => {
    if (exact.has(name)) return true;
    for (const g of globs) if (g(name)) return true;
    return false;
  };
}

export function isPattern(p: string): boolean {
  return p.includes('*');
}
