// Wall-clock budgets inside integration tests. A scenario's ordering and outcome are asserted
// always; how long it took depends on the machine's load, so the figure is asserted only in the
// opt-in `slo` run (`pnpm test:slo`, BEACON_SLO=1), which runs the files that hold budgets one at a
// time (vitest.config.ts lists them). In `pnpm test` the figure is returned, not judged.

export const sloRun = (): boolean => process.env['BEACON_SLO'] === '1';

export class BudgetExceeded extends Error {
  constructor(
    readonly label: string,
    readonly actualMs: number,
    readonly budgetMs: number,
  ) {
    super(`${label}: took ${actualMs} ms, budget ${budgetMs} ms`);
    this.name = 'BudgetExceeded';
  }
}

/** Under BEACON_SLO=1, fail unless `actualMs < budgetMs`; otherwise only hand the figure back. */
export function withinBudget(label: string, actualMs: number, budgetMs: number): number {
  if (sloRun() && !(actualMs < budgetMs)) throw new BudgetExceeded(label, actualMs, budgetMs);
  return actualMs;
}
