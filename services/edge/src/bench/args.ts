// Tiny `--name value` flag parser for the benchmark programs (no dependency, validated).
export function flags(argv: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') continue;
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const eq = a.indexOf('=');
    if (eq > 0) out.set(a.slice(2, eq), a.slice(eq + 1));
    else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) out.set(a.slice(2), 'true');
      else {
        out.set(a.slice(2), next);
        i++;
      }
    }
  }
  return out;
}

export function num(f: Map<string, string>, name: string, fallback: number): number {
  const raw = f.get(name);
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < 0)
    throw new Error(`--${name} must be a non-negative number, got ${raw}`);
  return v;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}
