// Silences (maintenance windows): one-off (starts_at … ends_at) or recurring (a 5-field cron in
// UTC, each window lasting `duration`). A silenced transition is recorded, not sent. Cron
// expressions are parsed once per expression by croner (no regex built from input) and checked
// when a silence is written, so a malformed one is refused with its reason.
import type { Silence } from '@beacon/protocol';
import { nameFilter } from '@beacon/protocol';
import { Cron } from 'croner';

const parsed = new Map<string, Cron | Error>();

function cronOf(expression: string): Cron | Error {
  let c = parsed.get(expression);
  if (c === undefined) {
    try {
      if (expression.trim().split(/\s+/).length !== 5) {
        throw new Error('expected 5 fields: minute hour day-of-month month day-of-week');
      }
      c = new Cron(expression, { timezone: 'UTC', paused: true, mode: '5-part' });
    } catch (err) {
      c = err instanceof Error ? err : new Error(String(err));
    }
    if (parsed.size > 10_000) parsed.clear();
    parsed.set(expression, c);
  }
  return c;
}

/** Why a cron expression cannot be used, or null when it can. */
export function cronProblem(expression: string): string | null {
  const c = cronOf(expression);
  if (c instanceof Error) return `invalid cron "${expression.slice(0, 64)}": ${c.message}`;
  return c.nextRun(new Date()) === null ? `cron "${expression}" never fires` : null;
}

/** The window of `s` that contains `at`, as [start, end) in ms, or null when none does. */
export function windowAt(s: Silence, at: number): readonly [number, number] | null {
  if (s.starts_at !== undefined && s.ends_at !== undefined) {
    const from = Date.parse(s.starts_at);
    const until = Date.parse(s.ends_at);
    return at >= from && at < until ? [from, until] : null;
  }
  if (s.cron === undefined || s.duration === undefined) return null;
  const c = cronOf(s.cron);
  if (c instanceof Error) return null;
  const span = s.duration * 1000;
  // The first run after (at - span) is the only one whose window can contain `at`; croner's
  // nextRun is strictly after its argument, so start one millisecond earlier.
  const run = c.nextRun(new Date(at - span - 1));
  if (run === null) return null;
  const start = run.getTime();
  return start <= at && at < start + span ? [start, start + span] : null;
}

export function silenceMatches(s: Silence, mcp: string, tags: readonly string[]): boolean {
  if (!nameFilter(s.mcps)(mcp)) return false;
  return s.tags.length === 0 || s.tags.some((t) => tags.includes(t));
}

/** The first silence holding `mcp` back at `at`, or null. */
export function silencedBy(
  silences: Iterable<Silence>,
  mcp: string,
  tags: readonly string[],
  at: number,
): Silence | null {
  for (const s of silences) {
    if (silenceMatches(s, mcp, tags) && windowAt(s, at) !== null) return s;
  }
  return null;
}

/** When the window of `s` containing `at` ends (at + 1 min if it does not contain it). */
export function silenceEnd(s: Silence, at: number): number {
  return windowAt(s, at)?.[1] ?? at + 60_000;
}

export function isActive(s: Silence, at: number): boolean {
  return windowAt(s, at) !== null;
}
