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

/**
 * The windows of `s` that overlap [from, to), clipped to it, in order. A recurring silence's
 * runs are enumerated with croner (at most `cap` of them: a minutely cron over months is cut
 * short rather than stalling the loop).
 */
export function windowsIn(
  s: Silence,
  from: number,
  to: number,
  cap = 10_000,
): Array<readonly [number, number]> {
  if (to <= from) return [];
  if (s.starts_at !== undefined && s.ends_at !== undefined) {
    const a = Math.max(from, Date.parse(s.starts_at));
    const b = Math.min(to, Date.parse(s.ends_at));
    return a < b ? [[a, b]] : [];
  }
  if (s.cron === undefined || s.duration === undefined) return [];
  const c = cronOf(s.cron);
  if (c instanceof Error) return [];
  const span = s.duration * 1000;
  const out: Array<readonly [number, number]> = [];
  let run = c.nextRun(new Date(from - span - 1));
  while (run !== null && out.length < cap) {
    const start = run.getTime();
    if (start >= to) break;
    const a = Math.max(from, start);
    const b = Math.min(to, start + span);
    if (a < b) {
      // Runs closer together than `duration` overlap: extend the previous window.
      const last = out[out.length - 1];
      if (last !== undefined && a <= last[1]) out[out.length - 1] = [last[0], Math.max(last[1], b)];
      else out.push([a, b]);
    }
    run = c.nextRun(run);
  }
  return out;
}
