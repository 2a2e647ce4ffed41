import { describe, expect, it } from 'vitest';
import { createNameIds, memoized } from './view-memo.js';
import { EVERYTHING, subscribeTo, viewOf } from './selection.js';

describe('view verdict cache', () => {
  it('runs the test once per name, however often the name is asked about', () => {
    const ids = createNameIds();
    const asked: string[] = [];
    const f = memoized((n) => {
      asked.push(n);
      return n.startsWith('billing');
    }, ids);
    for (let i = 0; i < 100; i++) {
      expect(f('billing-eu')).toBe(true);
      expect(f('search')).toBe(false);
    }
    expect(asked).toEqual(['billing-eu', 'search']);
  });

  it('stays bounded: dead ids are dropped, and the hard cap forgets everything', () => {
    const ids = createNameIds({ hardCap: 4 });
    let calls = 0;
    const f = memoized(() => {
      calls++;
      return true;
    }, ids);
    for (const n of ['a', 'b', 'c', 'd']) f(n);
    expect(ids.size).toBe(4);
    f('e'); // over the cap: every id is forgotten, caches refill
    expect(ids.era).toBe(1);
    expect(ids.size).toBe(1);
    f('a');
    expect(calls).toBe(6);
    const churn = createNameIds();
    for (let i = 0; i < 3000; i++) churn.idOf(`m${i}`);
    for (let i = 0; i < 2000; i++) churn.forget(`m${i}`);
    expect(churn.era).toBe(1); // more dead ids than live ones: reset
    expect(churn.size).toBe(0);
  });

  it('equal views are one object (one cache); a changed selection is a new view', () => {
    const a = viewOf(['billing-*'], subscribeTo(EVERYTHING, ['billing-eu*']));
    const b = viewOf(['billing-*'], subscribeTo(EVERYTHING, ['billing-eu*']));
    expect(b).toBe(a);
    const c = viewOf(['billing-*'], subscribeTo(EVERYTHING, ['billing-us*']));
    expect(c).not.toBe(a);
    expect(a.test('billing-eu-1')).toBe(true);
    expect(c.test('billing-eu-1')).toBe(false);
    expect(c.test('billing-us-1')).toBe(true);
  });
});
