import { describe, expect, it } from 'vitest';
import { collapseStars, globMatcher, nameFilter } from './patterns.js';

/** Reference semantics: textbook dynamic programming over (pattern, name) prefixes. */
function reference(pattern: string, name: string): boolean {
  let row: boolean[] = Array.from({ length: name.length + 1 }, (_, j) => j === 0);
  for (const c of pattern) {
    const next: boolean[] = new Array<boolean>(name.length + 1).fill(false);
    next[0] = c === '*' && (row[0] as boolean);
    for (let j = 1; j <= name.length; j++) {
      next[j] =
        c === '*'
          ? (row[j] as boolean) || (next[j - 1] as boolean)
          : (row[j - 1] as boolean) && name[j - 1] === c;
    }
    row = next;
  }
  return row[name.length] as boolean;
}

describe('name patterns', () => {
  it('treats only * as special; names without * match exactly', () => {
    const f = nameFilter(['billing_*', 'search.mcp', 'a+b', '(x)']);
    expect(f('billing_')).toBe(true);
    expect(f('billing_eu')).toBe(true);
    expect(f('billingX')).toBe(false);
    expect(f('search.mcp')).toBe(true);
    expect(f('searchXmcp')).toBe(false); // `.` is a plain character
    expect(f('a+b')).toBe(true);
    expect(f('aab')).toBe(false);
    expect(f('(x)')).toBe(true);
    expect(nameFilter([])('a')).toBe(false);
    expect(nameFilter(null)('anything')).toBe(true);
    expect(nameFilter(undefined)('anything')).toBe(true);
  });

  it('* alone, or any run of *, matches everything', () => {
    expect(nameFilter(['*'])('x')).toBe(true);
    expect(nameFilter(['a', '***'])('zzz')).toBe(true);
    expect(globMatcher('**')('')).toBe(true);
    expect(collapseStars('a***b**c*')).toBe('a*b*c*');
  });

  it('anchors prefix and suffix and finds middle segments in order', () => {
    const m = (p: string, n: string): boolean => globMatcher(p)(n);
    expect(m('a*', 'a')).toBe(true);
    expect(m('*a', 'ba')).toBe(true);
    expect(m('*a', 'ab')).toBe(false);
    expect(m('a*a', 'a')).toBe(false); // prefix and suffix may not overlap
    expect(m('a*a', 'aa')).toBe(true);
    expect(m('*ab*ab*', 'abab')).toBe(true);
    expect(m('*ab*ab*', 'aba')).toBe(false);
    expect(m('x*ab*ab', 'xabab')).toBe(true);
    expect(m('x*ab*ab', 'xab')).toBe(false);
    expect(m('*b*a*', 'ab')).toBe(false); // order matters
    expect(m('a*b*c', 'abbbcc')).toBe(true);
    expect(m('a*b*c', 'acb')).toBe(false);
  });

  it('agrees with the reference on every small pattern and name', () => {
    const alphabet = ['a', 'b', '*'];
    const words = (max: number, chars: readonly string[]): string[] => {
      let level = [''];
      const all = [''];
      for (let len = 1; len <= max; len++) {
        level = level.flatMap((w) => chars.map((c) => w + c));
        all.push(...level);
      }
      return all;
    };
    const names = words(5, ['a', 'b']);
    let checked = 0;
    for (const p of words(5, alphabet)) {
      if (p === '') continue;
      const f = nameFilter([p]);
      for (const n of names) {
        if (f(n) !== reference(p, n)) throw new Error(`pattern ${p} on ${n}`);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(10_000);
  });

  it('pathological patterns finish at once (a RegExp backtracks for seconds or hangs)', () => {
    // The 21-byte pattern from the issue, against names the edge really holds.
    const issue = nameFilter(['********************x']);
    expect(issue('a'.repeat(128))).toBe(false);
    expect(issue(`${'a'.repeat(127)}x`)).toBe(true);
    // 10,000 stars against a 100,000-character name that does not match.
    expect(nameFilter([`${'*'.repeat(10_000)}x`])('a'.repeat(100_000))).toBe(false);
    // Many segments, each found once, and a suffix that fails.
    const segments = `${'*a'.repeat(5_000)}*b`;
    expect(nameFilter([segments])('a'.repeat(100_000))).toBe(false);
    expect(nameFilter([segments])(`${'a'.repeat(100_000)}b`)).toBe(true);
    // A long segment that almost matches everywhere.
    const near = `*${'a'.repeat(200)}b*`;
    expect(nameFilter([near])('a'.repeat(20_000))).toBe(false);
  });
});
