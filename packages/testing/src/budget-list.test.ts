// vitest.config.ts names the integration files whose budgets the `slo` run judges; a file that
// gains a `withinBudget` figure without being listed would never have it judged.
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));

function intTests(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) {
      continue;
    }
    const path = join(dir, entry.name);
    if (entry.isDirectory()) intTests(path, out);
    else if (/\.int\.test\.tsx?$/.test(entry.name)) out.push(path);
  }
  return out;
}

it('every integration file with a withinBudget figure is in the slo project', () => {
  const config = readFileSync(join(root, 'vitest.config.ts'), 'utf8');
  const list = /export const budgeted = \[([^\]]*)\]/.exec(config)?.[1] ?? '';
  const listed = [...list.matchAll(/'([^']+)'/g)].map((m) => m[1]).sort();
  const using = ['packages', 'services']
    .flatMap((d) => intTests(join(root, d)))
    .filter((f) => readFileSync(f, 'utf8').includes('withinBudget('))
    .map((f) => relative(root, f))
    .sort();
  expect(using.length).toBeGreaterThan(0);
  expect(listed).toEqual(using);
});
