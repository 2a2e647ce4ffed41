// Projects: `unit` (fast, no infrastructure) and `int` (real Redis, processes, browsers), run by
// `pnpm test`; and the opt-in `slo` (`*.slo.test.ts`: wall-clock budgets, which depend on the
// machine's load), defined only when BEACON_SLO=1, so only `pnpm test:slo` runs it.
// Tests run from TypeScript sources; workspace imports resolve to each package's built dist.
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

const exclude = ['**/node_modules/**', '**/dist/**', '**/*.slo.test.{ts,tsx}'];

const slo: TestProjectInlineConfiguration[] =
  process.env['BEACON_SLO'] === '1'
    ? [
        {
          test: {
            name: 'slo',
            include: ['**/src/**/*.slo.test.{ts,tsx}'],
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
