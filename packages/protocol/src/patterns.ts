// MCP name patterns with `*` wildcards, as carried by a token's `mcps` claim and by `subscribe`.
export type NameFilter = (name: string) => boolean;

const escape = (s: string): string => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');

/** `null`/`undefined` patterns mean "everything". */
export function nameFilter(patterns: readonly string[] | null | undefined): NameFilter {
  if (patterns === null || patterns === undefined) return () => true;
  const exact = new Set<string>();
  const globs: RegExp[] = [];
  for (const p of patterns) {
    if (p === '*') return () => true;
    if (p.includes('*')) globs.push(new RegExp(`^${p.split('*').map(escape).join('.*')}$`));
    else exact.add(p);
  }
  return (name) => exact.has(name) || globs.some((g) => g.test(name));
}

export function isPattern(p: string): boolean {
  return p.includes('*');
}
