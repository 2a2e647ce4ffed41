// Projects: `unit` (fast, no infrastructure) and `int` (real Redis, processes, browsers), run by
// `pnpm test`; and the opt-in `slo` (`*.slo.test.ts`, and the integration files whose scenarios
// carry `withinBudget` figures: wall-clock budgets, which depend on the machine's load), defined
// only when BEACON_SLO=1, so only `pnpm test:slo` runs it; `withinBudget` judges only there.
// Tests run from TypeScript sources; workspace imports resolve to each package's built dist.
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

const exclude = ['**/node_modules/**', '**/dist/**', '**/*.slo.test.{ts,tsx}'];

// Integration files with `withinBudget` figures (a unit test checks this list against the sources).
export const budgeted = [
  'services/dashboard/src/dashboard.int.test.ts',
  'services/edge/src/admin-e2e.int.test.ts',
  'services/edge/src/resume-ahead.int.test.ts',
  'services/registry/src/failover.int.test.ts',
  'services/registry/src/fleet-limits.int.test.ts',
  'services/registry/src/probing.int.test.ts',
];

const slo: TestProjectInlineConfiguration[] =
  process.env['BEACON_SLO'] === '1'
    ? [
        {
          test: {
            name: 'slo',
            include: ['**/src/**/*.slo.test.{ts,tsx}', ...budgeted],
            exclude: ['**/node_modules/**', '**/dist/**'],
            testTimeout: 120_000,
            hookTimeout: 120_000,
            // One file at a time: budgets measured next to another file's Redis servers mean little.
            maxWorkers: 1,
          },
        },
      ]
    : [];

export default defineConfig({
  test: {
    // 2 cores shared with everything else on the machine.
    maxWorkers: 2,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['**/src/**/*.test.{ts,tsx}'],
          exclude: [...exclude, '**/*.int.test.{ts,tsx}'],
        },
      },
      {
        test: {
          name: 'int',
          include: ['**/src/**/*.int.test.{ts,tsx}'],
          exclude,
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // At most two integration files at once: each may start Redis servers and processes.
          maxWorkers: 2,
        },
      },
      ...slo,
    ],
  },
});
