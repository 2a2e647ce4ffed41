// Admin commands from the edge: stream `keys.registryCommands` (field `c` = RegistryCommand JSON),
// consumed through the event log's command inbox. A command is acknowledged only after its events
// are in the log and its `command_result` is published, so a registry killed mid-command leaves it
// pending and the next leader claims it (commands are idempotent: a replayed register/update
// changes nothing).
import { createCommandInbox, type EventLog, type RedisClient } from '@beacon/event-log';
import { RegistryCommand, type Keyspace } from '@beacon/protocol';
import type { Logger } from 'pino';
import { ProbeNowRefused, type Engine } from './engine.js';
import { CommandRefused, planCommand } from './fleet-ops.js';
import type { RegistryMetrics } from './registry-metrics.js';
import type { StdioAllowList } from './stdio-commands.js';
import { checkStdioCommand } from './stdio-gate.js';

export const COMMAND_GROUP = 'registry';

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
  const { engine, metrics } = options;
  const log = options.logger.child({ component: 'commands' });
  const inbox = createCommandInbox({
    redis: options.redis,
    blocking: options.blocking,
    eventLog: options.eventLog,
    stream: options.keys.registryCommands,
    group: COMMAND_GROUP,
    schema: RegistryCommand,
    ttlMs: options.ttlMs,
    // Field `c` by contract; any single field is accepted so a hand-written XADD still works.
    parse: { anyField: true },
  });

  return inbox.consume({
    consumer: options.consumer,
    onInvalid({ id, reason }) {
      if (reason === 'not JSON') log.warn({ id }, 'command entry is not JSON; dropped');
      else log.warn({ id, message: `invalid command: ${reason}` }, 'invalid command');
      metrics.commands.labels('unknown', 'invalid').inc();
      metrics.busRejected.labels('commands').inc();
    },
    onExpired(command) {
      metrics.commands.labels(command.type, 'expired').inc();
    },
    onError(err) {
      log.warn({ err }, 'command loop error; retrying');
    },
    async handle(command) {
      const name = command.type === 'register' ? command.config.name : command.name;
      if (command.type === 'probe') {
        try {
          const applied = await engine.probeNow(name);
          metrics.commands.labels(command.type, 'ok').inc();
          log.info(
            {
              command_id: command.command_id,
              mcp: name,
              actor: command.actor,
              outcome: applied.result.outcome,
              offset: applied.offset,
            },
            'probe on request',
          );
          return {
            ok: true,
            probe: applied.result,
            ...(applied.offset === undefined ? {} : { offset: applied.offset }),
          };
        } catch (err) {
          if (!(err instanceof ProbeNowRefused)) throw err;
          metrics.commands.labels(command.type, err.code).inc();
          return { ok: false, error: { code: err.code, message: err.message } };
        }
      }
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
        return { ok: true, ...(offset === undefined ? {} : { offset }) };
      } catch (err) {
        if (err instanceof CommandRefused) {
          if (err.code === 'forbidden') {
            log.warn(
              { command_id: command.command_id, actor: command.actor, mcp: name },
              err.message,
            );
          }
          metrics.commands.labels(command.type, err.code).inc();
          return { ok: false, error: { code: err.code, message: err.message } };
        }
        // Not answered and not acked: the next leader (or this one, rebuilt) retries it.
        throw err;
      }
    },
  });
}
