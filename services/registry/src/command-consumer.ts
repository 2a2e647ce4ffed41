// Admin commands from the edge: stream `keys.registryCommands` (field `c` = RegistryCommand JSON),
// read with a consumer group. A command is acknowledged only after its events are in the log and
// its `command_result` is published, so a registry killed mid-command leaves it pending and the
// next leader claims it (commands are idempotent: a replayed register/update changes nothing).
import { isFenced, redisErrorCode, type EventLog, type RedisClient } from '@beacon/event-log';
import {
  RegistryCommand,
  describeIssues,
  issuesOf,
  type CommandResult,
  type Keyspace,
  STREAM_FIELD,
} from '@beacon/protocol';
import type { Logger } from 'pino';
import type { Engine } from './engine.js';
import { CommandRefused, planCommand } from './fleet-ops.js';
import type { RegistryMetrics } from './registry-metrics.js';
import type { StdioAllowList } from './stdio-commands.js';
import { checkStdioCommand } from './stdio-gate.js';

export const COMMAND_GROUP = 'registry';

type Entry = [id: string, fields: string[]];

export interface CommandConsumer {
  stop(): Promise<void>;
}

export function startCommandConsumer(options: {
  readonly redis: RedisClient;
  /** A connection of its own: XREADGROUP BLOCK holds it. */
  readonly blocking: RedisClient;
  readonly keys: Keyspace;
  readonly eventLog: EventLog;
  readonly engine: Engine;
  readonly consumer: string;
  readonly ttlMs: number;
  readonly metrics: RegistryMetrics;
  readonly logger: Logger;
  /** BEACON_STDIO_COMMANDS: stdio registrations must name its entries (none: all refused). */
  readonly stdioCommands?: StdioAllowList | undefined;
}): CommandConsumer {
  const { redis, blocking, keys, engine, consumer, metrics } = options;
  const stream = keys.registryCommands;
  const log = options.logger.child({ component: 'commands' });
  let stopped = false;

  const answer = async (result: CommandResult): Promise<void> => {
    await options.eventLog.publishSide(result);
  };

  const handle = async (id: string, fields: string[]): Promise<void> => {
    // Field `c` by contract; any single field is accepted so a hand-written XADD still works.
    const at = fields.indexOf(STREAM_FIELD.command);
    const raw = at >= 0 && at % 2 === 0 ? fields[at + 1] : fields[1];
    let json: unknown;
    try {
      json = JSON.parse(raw ?? '');
    } catch {
      log.warn({ id }, 'command entry is not JSON; dropped');
      metrics.commands.labels('unknown', 'invalid').inc();
      metrics.busRejected.labels('commands').inc();
      return;
    }
    const parsed = RegistryCommand.safeParse(json);
    if (!parsed.success) {
      const commandId = (json as { command_id?: unknown } | null)?.command_id;
      const message = `invalid command: ${describeIssues(issuesOf(parsed.error))}`;
      log.warn({ id, message }, 'invalid command');
      metrics.commands.labels('unknown', 'invalid').inc();
      metrics.busRejected.labels('commands').inc();
      if (typeof commandId === 'string' && commandId !== '') {
        await answer({
          type: 'command_result',
          command_id: commandId,
          ok: false,
          error: { code: 'invalid', message },
        });
      }
      return;
    }
    const command = parsed.data;
    const base = { type: 'command_result' as const, command_id: command.command_id };
    if (Date.now() - command.issued_at > options.ttlMs) {
      metrics.commands.labels(command.type, 'expired').inc();
      await answer({
        ...base,
        ok: false,
        error: {
          code: 'timeout',
          message: `command issued more than ${options.ttlMs} ms ago; not applied`,
        },
      });
      return;
    }
    const name = command.type === 'register' ? command.config.name : command.name;
    try {
      const offset = await engine.withLocks([name], async () => {
        checkStdioCommand(engine.fleet, command, options.stdioCommands);
        return engine.commit(planCommand(engine.fleet, command, Date.now()));
      });
      metrics.commands.labels(command.type, 'ok').inc();
      log.info(
        {
          command_id: command.command_id,
          type: command.type,
          mcp: name,
          actor: command.actor,
          offset,
        },
        'command applied',
      );
      await answer({ ...base, ok: true, ...(offset === undefined ? {} : { offset }) });
    } catch (err) {
      if (err instanceof CommandRefused) {
        if (err.code === 'forbidden') {
          log.warn(
            { command_id: command.command_id, actor: command.actor, mcp: name },
            err.message,
          );
        }
        metrics.commands.labels(command.type, err.code).inc();
        await answer({ ...base, ok: false, error: { code: err.code, message: err.message } });
        return;
      }
      // Not answered and not acked: the next leader (or this one, rebuilt) retries it.
      throw err;
    }
  };

  const ensureGroup = async (): Promise<void> => {
    try {
      // From the start of the stream: commands queued before any registry ran still count.
      await redis.xgroup('CREATE', stream, COMMAND_GROUP, '0', 'MKSTREAM');
    } catch (err) {
      if (redisErrorCode(err) !== 'BUSYGROUP') throw err;
    }
  };

  const processAll = async (entries: readonly Entry[]): Promise<void> => {
    for (const [id, fields] of entries) {
      if (stopped) return;
      await handle(id, fields);
      await redis.xack(stream, COMMAND_GROUP, id);
    }
  };

  const loop = (async () => {
    let backoff = 100;
    while (!stopped) {
      try {
        await ensureGroup();
        // Pending entries first: our own (restart with the same id) and any a dead leader held.
        let cursor = '0-0';
        do {
          const claimed = (await redis.xautoclaim(
            stream,
            COMMAND_GROUP,
            consumer,
            0,
            cursor,
            'COUNT',
            100,
          )) as [string, Entry[], ...unknown[]];
          cursor = claimed[0];
          await processAll(claimed[1].filter((e) => Array.isArray(e[1])));
        } while (cursor !== '0-0' && !stopped);
        while (!stopped) {
          const reply = (await blocking.xreadgroup(
            'GROUP',
            COMMAND_GROUP,
            consumer,
            'COUNT',
            100,
            'BLOCK',
            1_000,
            'STREAMS',
            stream,
            '>',
          )) as [string, Entry[]][] | null;
          if (reply === null) continue;
          for (const [, entries] of reply) await processAll(entries);
          backoff = 100;
        }
      } catch (err) {
        if (stopped) break;
        if (isFenced(err)) break;
        log.warn({ err }, 'command loop error; retrying');
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 5_000);
      }
    }
  })();

  return {
    async stop() {
      stopped = true;
      // The blocking read returns within its BLOCK time; disconnecting would cut it sooner but
      // the connection is shared across leaderships.
      await loop;
    },
  };
}
