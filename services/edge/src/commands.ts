// Admin writes as commands: validated RegistryCommand / BreakerCommand / NotifierCommand entries
// XADDed to the worker's command stream (field `c` = JSON), answered when the worker publishes the matching
// `command_result` on the side channel (which reaches us through the edge's one subscription).
import { randomUUID } from 'node:crypto';
import type { RedisClient } from '@beacon/event-log';
import {
  BeaconError,
  BreakerCommand,
  NotifierCommand,
  RegistryCommand,
  parseOrThrow,
  type BeaconErrorCode,
  type CommandErrorCode,
  type CommandResult,
  type Keyspace,
  STREAM_FIELD,
} from '@beacon/protocol';
import type { Logger } from 'pino';

export type CommandTarget = 'registry' | 'breaker' | 'notifier';

/** Fields of a command the edge fills in itself. */
type Auto = 'command_id' | 'actor' | 'issued_at';
type Distribute<T> = T extends unknown ? Omit<T, Auto> : never;
export type RegistryCommandBody = Distribute<RegistryCommand>;
export type BreakerCommandBody = Distribute<BreakerCommand>;
export type NotifierCommandBody = Distribute<NotifierCommand>;

export interface CommandBus {
  readonly pending: number;
  /** `timeoutMs` overrides the bus's answer timeout (e.g. a probe waits for the MCP's timeout). */
  registry(command: RegistryCommandBody, actor: string, timeoutMs?: number): Promise<CommandResult>;
  breaker(command: BreakerCommandBody, actor: string): Promise<CommandResult>;
  /** Alerting config writes and channel tests (`/api/alerts/*`). */
  notifier(command: NotifierCommandBody, actor: string, timeoutMs?: number): Promise<CommandResult>;
  /** Feed every `command_result` seen on the side channel. */
  resolve(result: CommandResult): void;
  /** Fail every waiting request (shutdown). */
  close(reason: string): void;
}

const CODE_OF: Record<CommandErrorCode, BeaconErrorCode> = {
  not_found: 'not_found',
  forbidden: 'forbidden',
  conflict: 'conflict',
  invalid: 'invalid',
  not_leader: 'unavailable',
  internal: 'internal',
  timeout: 'timeout',
};

/** A failed command result as the error the HTTP layer maps to a status. */
export function commandError(result: CommandResult): BeaconError {
  const code = result.error === undefined ? 'internal' : CODE_OF[result.error.code];
  return new BeaconError(code, result.error?.message ?? 'command failed');
}

interface Waiter {
  readonly resolve: (r: CommandResult) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** Commands older than the stream's few thousand newest entries are useless anyway. */
const STREAM_MAXLEN = '10000';

export function createCommandBus(options: {
  readonly redis: RedisClient;
  readonly keys: Keyspace;
  readonly timeoutMs: number;
  readonly logger: Logger;
}): CommandBus {
  const { redis, keys, timeoutMs } = options;
  const log = options.logger.child({ component: 'commands' });
  const waiting = new Map<string, Waiter>();
  let closed: string | null = null;

  async function dispatch(
    target: CommandTarget,
    command: RegistryCommand | BreakerCommand | NotifierCommand,
    waitMs = timeoutMs,
  ) {
    if (closed !== null) throw new BeaconError('unavailable', closed);
    const id = command.command_id;
    const stream =
      target === 'registry'
        ? keys.registryCommands
        : target === 'breaker'
          ? keys.breakerCommands
          : keys.notifierCommands;
    const result = new Promise<CommandResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(
          new BeaconError(
            'timeout',
            `no ${target} worker answered command ${id} (${command.type}) within ${waitMs} ms; is the ${target} running?`,
          ),
        );
      }, waitMs);
      waiting.set(id, { resolve, reject, timer });
    });
    try {
      await redis.xadd(
        stream,
        'MAXLEN',
        '~',
        STREAM_MAXLEN,
        '*',
        STREAM_FIELD.command,
        JSON.stringify(command),
      );
    } catch (err) {
      const w = waiting.get(id);
      if (w !== undefined) {
        clearTimeout(w.timer);
        waiting.delete(id);
      }
      void result.catch(() => undefined);
      throw new BeaconError('unavailable', `could not queue the command: Redis unavailable`, {
        cause: err,
      });
    }
    log.info({ id, type: command.type, target, actor: command.actor }, 'command queued');
    return result;
  }

  const meta = (actor: string) => ({
    command_id: randomUUID(),
    actor,
    issued_at: Date.now(),
  });

  return {
    get pending() {
      return waiting.size;
    },
    registry: (body, actor, waitMs) =>
      dispatch(
        'registry',
        parseOrThrow(RegistryCommand, { ...body, ...meta(actor) }, 'command'),
        waitMs,
      ),
    breaker: (body, actor) =>
      dispatch('breaker', parseOrThrow(BreakerCommand, { ...body, ...meta(actor) }, 'command')),
    notifier: (body, actor, waitMs) =>
      dispatch(
        'notifier',
        parseOrThrow(NotifierCommand, { ...body, ...meta(actor) }, 'command'),
        waitMs,
      ),
    resolve(result) {
      const w = waiting.get(result.command_id);
      if (w === undefined) return; // another edge's command
      clearTimeout(w.timer);
      waiting.delete(result.command_id);
      w.resolve(result);
    },
    close(reason) {
      closed = reason;
      for (const [id, w] of waiting) {
        clearTimeout(w.timer);
        w.reject(new BeaconError('unavailable', reason));
        waiting.delete(id);
      }
    },
  };
}
