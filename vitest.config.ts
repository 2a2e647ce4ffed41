// Two projects: `unit` (fast, no infrastructure) and `int` (real Redis, processes, browsers).
// Tests run from TypeScript sources; workspace imports resolve to each package's built dist.
import { defineConfig } from 'vitest/config';

const exclude = ['**/node_modules/**', '**/dist/**'];

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
    ],
  },
});
