// Wall-clock budget for redactLogText (opt-in: `pnpm test:slo`); its behaviour is in
// redact-text.test.ts.
import { describe, expect, it } from 'vitest';
import { redactLogText } from './redact-text.js';

describe('redactLogText', () => {
  it('stays fast on hostile text', () => {
    const hostile = `${'a'.repeat(1_000)}${'token'.repeat(200)}${'='.repeat(500)}`;
    const started = performance.now();
    redactLogText(hostile, 2_000);
    expect(performance.now() - started).toBeLessThan(50);
  });
});
