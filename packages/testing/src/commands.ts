// A worker command sent the way the edge sends it (XADD of the JSON in field `c` on the worker's
// command stream), answered by the worker's `command_result` on the side channel, which the
// caller collects (its subscription's onSide) into `sides`.
import { randomUUID } from 'node:crypto';
import { STREAM_FIELD, type CommandResult } from '@beacon/protocol';
import type { Cluster, Redis } from 'ioredis';
import { waitFor } from './helpers.js';

export interface SendCommandOptions {
  readonly actor?: string;
  readonly timeoutMs?: number;
}

export async function sendCommand(
  redis: Redis | Cluster,
  stream: string,
  sides: readonly { readonly type: string }[],
  body: { readonly type: string },
  options: SendCommandOptions = {},
): Promise<CommandResult> {
  const command = {
    ...body,
    command_id: randomUUID(),
    actor: options.actor ?? 'alice',
    issued_at: Date.now(),
  };
  await redis.xadd(stream, '*', STREAM_FIELD.command, JSON.stringify(command));
  return waitFor(
    () =>
      sides.find(
        (m): m is CommandResult =>
          m.type === 'command_result' &&
          (m as { command_id?: unknown }).command_id === command.command_id,
      ),
    { timeoutMs: options.timeoutMs ?? 20_000, message: `an answer to command ${body.type}` },
  );
}
