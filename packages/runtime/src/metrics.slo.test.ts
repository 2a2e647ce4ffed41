// Wall-clock budget for the metrics hot path (opt-in: `pnpm test:slo`); its behaviour is in
// metrics.test.ts.
import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';

describe('createMetrics', () => {
  it('keeps unlabelled inc cheap enough for hot paths', () => {
    const m = createMetrics();
    const c = m.counter('hot_total', 'x');
    const child = m.counter('hot_labelled_total', 'x', ['k']).labels('v');
    const t0 = performance.now();
    for (let i = 0; i < 1_000_000; i++) {
      c.inc();
      child.inc();
    }
    const ms = performance.now() - t0;
    expect(c.value).toBe(1_000_000);
    // Generous bound for a shared 2-core machine; a Map lookup or allocation per call would show.
    expect(ms).toBeLessThan(500);
  });
});
