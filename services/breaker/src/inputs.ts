// Decoding of the three internal streams the breaker consumes into breaker inputs, and the order
// in which one batch is applied. Entries that are not what they claim to be become `bad` (logged,
// counted, acked by the caller) instead of throwing.
import {
  BreakerCommand,
  CallOutcome,
  ProbeResult,
  describeIssues,
  issuesOf,
  offsetTime,
  type BreakerCommand as Command,
  type CommandResult,
  STREAM_FIELD,
} from '@beacon/protocol';
import { parseCommandEntry } from '@beacon/event-log';
import type { z } from 'zod';
import type { BreakerInput } from './decide.js';

export type StreamName = 'commands' | 'probes' | 'outcomes';
/** Commands first within the same millisecond: an operator's word precedes traffic. */
export const STREAMS: readonly StreamName[] = ['commands', 'probes', 'outcomes'];
const FIELD: Record<StreamName, string> = {
  commands: STREAM_FIELD.command,
  probes: STREAM_FIELD.probe,
  outcomes: STREAM_FIELD.outcome,
};

export type RawEntry = readonly [id: string, fields: readonly string[]];

export interface GoodEntry {
  readonly ok: true;
  readonly stream: StreamName;
  readonly id: string;
  /** Redis time the entry was added (ms part of its id): the breaker's clock for it. */
  readonly time: number;
  readonly name: string;
  readonly input: BreakerInput;
  readonly command?: Command;
}

export interface BadEntry {
  readonly ok: false;
  readonly stream: StreamName;
  readonly id: string;
  readonly reason: string;
  /** A bad command that names its command_id: its `invalid` answer (as the registry gives). */
  readonly answer?: CommandResult | null;
}

export type Entry = GoodEntry | BadEntry;

function field(fields: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

export function decodeEntry(stream: StreamName, raw: RawEntry): Entry {
  const [id, fields] = raw;
  const bad = (reason: string): BadEntry => ({ ok: false, stream, id, reason });
  const time = offsetTime(id);
  const good = (name: string, input: BreakerInput): GoodEntry => ({
    ok: true,
    stream,
    id,
    time,
    name,
    input,
  });
  if (stream === 'commands') {
    // The command inbox's parse (the registry's too): a bad command naming a command_id is
    // answered `invalid` after the batch commits, so the admin learns why.
    const r = parseCommandEntry(BreakerCommand, raw, { field: FIELD.commands });
    if (!r.ok) return { ...bad(r.reason), answer: r.answer };
    const c = r.command;
    return {
      ...good(c.name, {
        type: 'command',
        command: c.type,
        actor: c.actor,
        command_id: c.command_id,
      }),
      command: c,
    };
  }
  const json = field(fields, FIELD[stream]);
  if (json === undefined) return bad(`no field "${FIELD[stream]}"`);
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return bad('not JSON');
  }
  const invalid = (error: z.ZodError): BadEntry => bad(describeIssues(issuesOf(error)));
  switch (stream) {
    case 'outcomes': {
      const r = CallOutcome.safeParse(value);
      if (!r.success) return invalid(r.error);
      return good(r.data.mcp_name, { type: 'outcome', outcome: r.data });
    }
    case 'probes': {
      const r = ProbeResult.safeParse(value);
      if (!r.success) return invalid(r.error);
      return good(r.data.mcp_name, { type: 'probe', result: r.data });
    }
  }
}

const RANK: Record<StreamName, number> = { commands: 0, probes: 1, outcomes: 2 };

/**
 * The order a batch is applied in: by entry time, then stream, then id. Deterministic for a given
 * set of entries, so re-applying an unacknowledged batch after a crash reproduces its events.
 */
export function byTime(a: GoodEntry, b: GoodEntry): number {
  if (a.time !== b.time) return a.time - b.time;
  if (a.stream !== b.stream) return RANK[a.stream] - RANK[b.stream];
  const sa = Number(a.id.slice(a.id.indexOf('-') + 1));
  const sb = Number(b.id.slice(b.id.indexOf('-') + 1));
  return sa - sb;
}
