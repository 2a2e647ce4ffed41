// A server's tool list reduced to what drift detection needs, in bounded memory: the count, one
// hash over every tool's name and input schema (key order does not matter), and per-tool hashes
// of at most MAX_TRACKED tools (names cut to MAX_NAME) so added/removed/changed names can be told.
// The event carries at most MAX_LISTED names per list. Pure.
import { createHash } from 'node:crypto';
import type { ToolShape } from './modern.js';

export const MAX_TRACKED = 1_000;
export const MAX_NAME = 128;
export const MAX_LISTED = 50;

export interface ToolDigest {
  readonly count: number;
  readonly hash: string;
  /** Name → hash of its input schema, for the first MAX_TRACKED tools by name. */
  readonly tools: ReadonlyMap<string, string>;
}

export interface ToolDiff {
  readonly added: string[];
  readonly removed: string[];
  readonly changed: string[];
}

/** JSON with sorted object keys (schemas compare equal whatever their key order). */
function canonical(value: unknown, depth = 0): string {
  if (depth > 64) return '"…"';
  if (Array.isArray(value)) return `[${value.map((v) => canonical(v, depth + 1)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys
      .map(
        (k) =>
          `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k], depth + 1)}`,
      )
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');
/** Per-tool hashes only tell one schema from the next: 64 bits is plenty, and half the memory. */
const short = (text: string): string => sha(text).slice(0, 16);

export function digestTools(list: readonly ToolShape[]): ToolDigest {
  const entries = list
    .map((t) => [t.name, short(canonical(t.inputSchema ?? null))] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const all = createHash('sha256');
  for (const [name, h] of entries) all.update(`${name}\u0000${h}\n`);
  const tools = new Map<string, string>();
  for (const [name, h] of entries) {
    if (tools.size >= MAX_TRACKED) break;
    tools.set(name.slice(0, MAX_NAME), h);
  }
  return { count: list.length, hash: `sha256:${all.digest('hex')}`, tools };
}

/** Names added, removed and changed from `before` to `after` (each list capped, sorted). */
export function diffTools(before: ToolDigest, after: ToolDigest): ToolDiff {
  const added: string[] = [];
  const removed: string[] = [];
  const changed: string[] = [];
  for (const [name, h] of after.tools) {
    const old = before.tools.get(name);
    if (old === undefined) {
      if (added.length < MAX_LISTED) added.push(name);
    } else if (old !== h && changed.length < MAX_LISTED) changed.push(name);
  }
  for (const name of before.tools.keys()) {
    if (!after.tools.has(name) && removed.length < MAX_LISTED) removed.push(name);
  }
  return { added, removed, changed };
}
