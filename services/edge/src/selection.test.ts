import { describe, expect, it } from 'vitest';
import { EVERYTHING, subscribeTo, unsubscribeFrom, viewOf } from './selection.js';

describe('selection and view', () => {
  it('sees everything by default; the token claim limits it', () => {
    expect(viewOf(null, EVERYTHING).all).toBe(true);
    const v = viewOf(['a', 'billing-*'], EVERYTHING);
    expect(v.all).toBe(false);
    expect(v.test('a')).toBe(true);
    expect(v.test('billing-eu')).toBe(true);
    expect(v.test('b')).toBe(false);
    expect(v.exact).toBeNull(); // a glob: new MCPs must be checked
  });

  it('the first subscribe narrows, later ones add, * returns to everything', () => {
    const one = subscribeTo(EVERYTHING, ['a']);
    expect(one.include).toEqual(['a']);
    const two = subscribeTo(one, ['b']);
    expect(two.include).toEqual(['a', 'b']);
    expect(viewOf(null, two).exact).toEqual(['a', 'b']);
    expect(subscribeTo(two, ['*'])).toEqual(EVERYTHING);
  });

  it('subscribe cannot widen past the token', () => {
    const v = viewOf(['a'], subscribeTo(EVERYTHING, ['a', 'b']));
    expect(v.test('b')).toBe(false);
    expect(v.exact).toEqual(['a']);
  });

  it('unsubscribe removes names, also from everything, and * means nothing', () => {
    const sel = unsubscribeFrom(EVERYTHING, ['noisy']);
    const v = viewOf(null, sel);
    expect(v.all).toBe(false);
    expect(v.test('noisy')).toBe(false);
    expect(v.test('quiet')).toBe(true);
    expect(unsubscribeFrom(subscribeTo(EVERYTHING, ['a', 'b']), ['a']).include).toEqual(['b']);
    const none = viewOf(null, unsubscribeFrom(EVERYTHING, ['*']));
    expect(none.test('a')).toBe(false);
    expect(none.exact).toEqual([]);
    // Subscribing again lifts the exclusion.
    expect(viewOf(null, subscribeTo(sel, ['noisy'])).test('noisy')).toBe(true);
  });
});
