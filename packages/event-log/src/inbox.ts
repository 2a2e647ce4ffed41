// A worker's command inbox: one Redis stream of admin commands (field `c` = the command's JSON),
// read with a consumer group and answered with `command_result` on the side channel. It owns
// what every command-taking worker needs: creating the group (idempotent), reading new entries
// and redelivering pending ones (a dead leader's, or our own after a restart), parsing with the
// caller's zod schema (bad entries reported to the caller and answered `invalid` when a
// command_id is readable), the TTL answer (`timeout` for a command issued too long ago),
// publishing the answer, acking, and stopping when fenced (runUntilFenced: the one fence check).
//
// Two ways to use it:
// - `consume()`: the whole loop, for a worker whose commands stand alone (the registry, the
//   notifier). The handler applies a command and returns its answer; the entry is answered, then
//   acked, so a worker killed mid-command leaves it pending and the next leader claims it (the
//   handler must be idempotent). A handler that throws leaves its entry unanswered and unacked;
//   it is retried after a pause, or left to the next leader when the error is a fence refusal.
// - The parts (`parseCommandEntry`, `expired`, `answer`, `ensureGroup`), for a worker whose
//   commands are one input among several: the breaker reads its command, probe and outcome
//   streams in one XREADGROUP and acks all three inside the fenced script that saves the batch's
//   breaker states, so a crash re-delivers commands and state changes together or not at all.
//   Acking commands here, outside that script, would break that atomicity; so the breaker takes
//   parse, TTL and answer from the inbox and keeps its own read and its atomic ack.
import type { CommandResult } from '@beacon/protocol';
import { backoffDelay, describeIssues, issuesOf, STREAM_FIELD } from '@beacon/protocol';
import type { z } from 'zod';
import { redisErrorCode } from './errors.js';
import type { EventLog, RedisClient } from './types.js';
import { runUntilFenced } from './until-fenced.js';

/** What every command carries: an id to answer under, and when it was issued (epoch ms). */
export interface InboxCommand {
  readonly command_id: string;
  readonly issued_at: number;
}

/** A stream entry as XREADGROUP / XAUTOCLAIM return it: id and flat field/value list. */
export type InboxEntry = readonly [id: string, fields: readonly string[]];

/** A command's answer without its envelope (`type`, `command_id`). */
export type CommandAnswer = Omit<CommandResult, 'type' | 'command_id'>;

export type ParsedCommand<C> =
  | { readonly ok: true; readonly id: string; readonly command: C }
  | {
      readonly ok: false;
      readonly id: string;
      /** Why it was refused: `no field "c"`, `not JSON`, or the schema's issues. */
      readonly reason: string;
      /** Its `invalid` answer when the entry names a command_id, else null (nobody to tell). */
      readonly answer: CommandResult | null;
    };

/** The field a command entry's JSON is in (the contract's `c`). */
export const COMMAND_FIELD = STREAM_FIELD.command;

export interface ParseOptions {
  /** Field holding the JSON (default `c`). */
  readonly field?: string;
  /** Without that field, take the entry's first value (a hand-written XADD with any one field). */
  readonly anyField?: boolean;
}

/** Decode one command entry; never throws. */
export function parseCommandEntry<C>(
  schema: z.ZodType<C>,
  entry: InboxEntry,
  options: ParseOptions = {},
): ParsedCommand<C> {
  const [id, fields] = entry;
  const name = options.field ?? COMMAND_FIELD;
  let raw: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === name) {
      raw = fields[i + 1];
      break;
    }
  }
  if (raw === undefined && options.anyField === true) raw = fields[1];
  if (raw === undefined) return { ok: false, id, reason: `no field "${name}"`, answer: null };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, id, reason: 'not JSON', answer: null };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, id, command: parsed.data };
  const reason = describeIssues(issuesOf(parsed.error));
  const commandId =
    typeof json === 'object' && json !== null
      ? (json as { command_id?: unknown }).command_id
      : undefined;
  const answer: CommandResult | null =
    typeof commandId === 'string' && commandId !== ''
      ? {
          type: 'command_result',
          command_id: commandId,
          ok: false,
          error: { code: 'invalid', message: `invalid command: ${reason}` },
        }
      : null;
  return { ok: false, id, reason, answer };
}

/** Create the consumer group from the stream's start (commands queued before any worker ran count). */
export async function ensureGroup(
  redis: RedisClient,
  stream: string,
  group: string,
): Promise<void> {
  try {
    await redis.call('XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM');
  } catch (err) {
    if (redisErrorCode(err) !== 'BUSYGROUP') throw err;
  }
}

export interface CommandInboxOptions<C extends InboxCommand> {
  /** Group creation, claims, acks. */
  readonly redis: RedisClient;
  /** A connection of its own for the blocking read (consume() only; default `redis`). */
  readonly blocking?: RedisClient;
  /** Where answers go (its side channel). */
  readonly eventLog: Pick<EventLog, 'publishSide'>;
  readonly stream: string;
  readonly group: string;
  readonly schema: z.ZodType<C>;
  /** Commands issued longer ago than this are answered `timeout` and not applied. */
  readonly ttlMs: number;
  readonly parse?: ParseOptions;
}

export interface ConsumeOptions<C extends InboxCommand> {
  /** This worker's consumer name in the group. */
  readonly consumer: string;
  /** Apply one valid, fresh command and return its answer (throw: not answered, not acked). */
  handle(command: C, id: string): Promise<CommandAnswer>;
  /** A bad entry (acked; answered `invalid` first when it named a command_id). */
  onInvalid?(entry: Extract<ParsedCommand<C>, { ok: false }>): void;
  /** A command past its TTL (answered `timeout`, acked, not handled). */
  onExpired?(command: C): void;
  /** A failure other than a fence refusal: the loop retries after a backoff (100 ms .. 5 s). */
  onError?(err: unknown): void;
  /** Entries per read (default 100). */
  readonly count?: number;
  /** How long a read waits for new entries; also the most stop() waits for it (default 1 s). */
  readonly blockMs?: number;
}

export interface InboxConsumer {
  /** Settles when the loop ends: stopped, or fenced (another worker leads). */
  readonly done: Promise<'aborted' | 'fenced'>;
  stop(): Promise<void>;
}

export interface CommandInbox<C extends InboxCommand> {
  readonly stream: string;
  readonly group: string;
  ensureGroup(): Promise<void>;
  parse(entry: InboxEntry): ParsedCommand<C>;
  /** The `timeout` answer when the command is past its TTL at `now`, else null. */
  expired(command: C, now?: number): CommandAnswer | null;
  /** Publish a command's answer on the side channel. */
  answer(commandId: string, answer: CommandAnswer): Promise<void>;
  ack(ids: readonly string[]): Promise<void>;
  consume(options: ConsumeOptions<C>): InboxConsumer;
}

export function createCommandInbox<C extends InboxCommand>(
  options: CommandInboxOptions<C>,
): CommandInbox<C> {
  const { redis, stream, group, schema, ttlMs } = options;
  const blocking = options.blocking ?? redis;

  const inbox: CommandInbox<C> = {
    stream,
    group,
    ensureGroup: () => ensureGroup(redis, stream, group),
    parse: (entry) => parseCommandEntry(schema, entry, options.parse),
    expired(command, now = Date.now()) {
      const age = now - command.issued_at;
      if (age <= ttlMs) return null;
      return {
        ok: false,
        error: {
          code: 'timeout',
          message: `command issued ${age} ms ago, more than ${ttlMs} ms; not applied`,
        },
      };
    },
    answer: (commandId, answer) =>
      options.eventLog.publishSide({ type: 'command_result', command_id: commandId, ...answer }),
    async ack(ids) {
      if (ids.length > 0) await redis.xack(stream, group, ...ids);
    },
    consume: (c) => consume(c),
  };

  function consume(c: ConsumeOptions<C>): InboxConsumer {
    const abort = new AbortController();
    const { signal } = abort;
    const count = c.count ?? 100;
    const blockMs = c.blockMs ?? 1_000;
    let attempt = 0;

    const handleEntry = async (entry: InboxEntry): Promise<void> => {
      const parsed = inbox.parse(entry);
      if (!parsed.ok) {
        c.onInvalid?.(parsed);
        if (parsed.answer !== null) await options.eventLog.publishSide(parsed.answer);
        return;
      }
      const timeout = inbox.expired(parsed.command);
      if (timeout !== null) {
        c.onExpired?.(parsed.command);
        await inbox.answer(parsed.command.command_id, timeout);
        return;
      }
      const answer = await c.handle(parsed.command, parsed.id);
      await inbox.answer(parsed.command.command_id, answer);
    };

    // Answered, then acked, one entry at a time: a crash in between only repeats an answer.
    const processAll = async (entries: readonly InboxEntry[]): Promise<void> => {
      for (const entry of entries) {
        if (signal.aborted) return;
        await handleEntry(entry);
        await inbox.ack([entry[0]]);
      }
    };

    const work = async (): Promise<void> => {
      await inbox.ensureGroup();
      // Pending entries first: our own (restart with the same name) and any a dead leader held.
      // Min idle 0: only one leader consumes at a time, so whatever is pending is orphaned.
      let cursor = '0-0';
      do {
        const claimed = (await redis.xautoclaim(
          stream,
          group,
          c.consumer,
          0,
          cursor,
          'COUNT',
          count,
        )) as [string, [string, string[] | null][], ...unknown[]];
        cursor = claimed[0];
        // Entries trimmed from the stream come back without fields (Redis < 7 keeps them pending).
        await processAll(claimed[1].filter((e): e is [string, string[]] => Array.isArray(e[1])));
      } while (cursor !== '0-0' && !signal.aborted);
      while (!signal.aborted) {
        const reply = (await blocking.xreadgroup(
          'GROUP',
          group,
          c.consumer,
          'COUNT',
          count,
          'BLOCK',
          blockMs,
          'STREAMS',
          stream,
          '>',
        )) as [string, [string, string[]][]][] | null;
        if (reply === null) continue;
        for (const [, entries] of reply) await processAll(entries);
        attempt = 0;
      }
    };

    const done = runUntilFenced(work, {
      signal,
      onError(err) {
        c.onError?.(err);
        return backoffDelay(attempt++, 100, 5_000);
      },
    });

    return {
      done,
      async stop() {
        abort.abort();
        // The blocking read returns within blockMs; disconnecting would cut it sooner, but the
        // connection may be shared across leaderships.
        await done;
      },
    };
  }

  return inbox;
}
