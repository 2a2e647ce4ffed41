// One version of each shared dependency: a dependency used by two or more workspace packages is
// taken from the pnpm catalog (pnpm-workspace.yaml), never pinned in each package.json.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function manifests(): { file: string; deps: Record<string, string> }[] {
  const out: { file: string; deps: Record<string, string> }[] = [];
  for (const dir of ['packages', 'services']) {
    for (const name of readdirSync(join(root, dir))) {
      const file = join(dir, name, 'package.json');
      if (!existsSync(join(root, file))) continue;
      const p = JSON.parse(readFileSync(join(root, file), 'utf8')) as {
        dependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
      };
      out.push({ file, deps: { ...p.dependencies, ...p.devDependencies } });
    }
  }
  return out;
}

describe('shared dependencies', () => {
  it('come from the pnpm catalog', () => {
    const users = new Map<string, string[]>();
    for (const m of manifests()) {
      for (const [dep, version] of Object.entries(m.deps)) {
        if (version.startsWith('workspace:')) continue;
        users.set(dep, [...(users.get(dep) ?? []), `${m.file}=${version}`]);
      }
    }
    const pinned = [...users]
      .filter(([, list]) => list.length > 1)
      .flatMap(([dep, list]) =>
        list.filter((u) => !u.endsWith('=catalog:')).map((u) => `${dep}: ${u}`),
      );
    expect(pinned).toEqual([]);
    const workspace = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
    expect(workspace).toMatch(/^catalog:/m);
  });
});
