import { afterEach, describe, expect, it } from 'vitest';
import { BudgetExceeded, withinBudget } from './budget.js';

describe('withinBudget', () => {
  const saved = process.env['BEACON_SLO'];
  afterEach(() => {
    if (saved === undefined) delete process.env['BEACON_SLO'];
    else process.env['BEACON_SLO'] = saved;
  });

  it('judges the figure only in the slo run', () => {
    delete process.env['BEACON_SLO'];
    expect(withinBudget('handover', 900, 600)).toBe(900);
    process.env['BEACON_SLO'] = '1';
    expect(withinBudget('handover', 500, 600)).toBe(500);
    expect(() => withinBudget('handover', 900, 600)).toThrow(BudgetExceeded);
    expect(() => withinBudget('handover', 600, 600)).toThrow(
      'handover: took 600 ms, budget 600 ms',
    );
  });
});
