// A minimal stand-in for the registry and breaker workers, for the edge's admin API tests: it
// reads the command streams like a worker would, appends the resulting events through the real
// event log and answers with a real command_result on the side channel. Test-only.
import type { EventLog } from '@beacon/event-log';
import {
  BreakerCommand,
  RegistryCommand,
  type CommandResult,
  type LogEventInput,
  type McpConfig,
  STREAM_FIELD,
} from '@beacon/protocol';
import { Redis } from 'ioredis';

type StreamReply = [string, [string, string[]][]][] | null;

export interface FakeWorker {
  readonly handled: number;
  stop(): Promise<void>;
}

export function startFakeWorker(log: EventLog, redisUrl: string): FakeWorker {
  const conn = new Redis(redisUrl, { maxRetriesPerRequest: null });
  conn.on('error', () => undefined);
  let stopped = false;
  let handled = 0;
  const cursors: Record<string, string> = {
    [log.keys.registryCommands]: '0-0',
    [log.keys.breakerCommands]: '0-0',
  };

  async function configOf(name: string): Promise<McpConfig | undefined> {
    return (await log.snapshot()).mcps.find((m) => m.name === name)?.config;
  }

  async function apply(raw: string): Promise<CommandResult> {
    const base = { timestamp: new Date().toISOString() };
    const json = JSON.parse(raw) as unknown;
    const reg = RegistryCommand.safeParse(json);
    const fail = (code: 'not_found' | 'invalid', message: string): CommandResult => ({
      type: 'command_result',
      command_id: (json as { command_id: string }).command_id,
      ok: false,
      error: { code, message },
    });
    let event: LogEventInput;
    let id: string;
    if (reg.success) {
      const c = reg.data;
      id = c.command_id;
      const meta = { ...base, actor: c.actor, command_id: c.command_id };
      if (c.type === 'register') {
        event = { type: 'mcp_registered', mcp_name: c.config.name, config: c.config, ...meta };
      } else {
        const current = await configOf(c.name);
        if (current === undefined) return fail('not_found', `MCP ${c.name} not found`);
        if (c.type === 'remove') event = { type: 'mcp_removed', mcp_name: c.name, ...meta };
        else if (c.type === 'update') {
          if ((c.patch.timeout_ms ?? 0) > 60_000)
            return fail('invalid', 'timeout_ms: at most 60000 here');
          const config = { ...current, ...c.patch };
          event = {
            type: 'mcp_updated',
            mcp_name: c.name,
            config,
            changes: Object.keys(c.patch),
            ...meta,
          };
        } else {
          event = {
            type: 'health_event',
            mcp_name: c.name,
            event_type: c.type === 'enable' ? 'manually_enabled' : 'manually_disabled',
            ...meta,
          };
        }
      }
    } else {
      const c = BreakerCommand.parse(json);
      id = c.command_id;
      if ((await configOf(c.name)) === undefined)
        return fail('not_found', `MCP ${c.name} not found`);
      const state = c.type === 'force_open' ? 'open' : 'closed';
      event = {
        type: 'health_event',
        mcp_name: c.name,
        event_type: state === 'open' ? 'circuit_opened' : 'circuit_closed',
        data: { circuit_state: state },
        ...base,
        actor: c.actor,
        command_id: c.command_id,
      };
    }
    const { offset } = await log.append(event);
    return { type: 'command_result', command_id: id, ok: true, offset };
  }

  const loop = (async () => {
    while (!stopped) {
      const keys = Object.keys(cursors);
      let reply: StreamReply = null;
      try {
        const args = [...keys, ...keys.map((k) => cursors[k] as string)];
        reply = await conn.xread('COUNT', 10, 'BLOCK', 200, 'STREAMS', ...args);
      } catch {
        reply = null;
      }
      for (const [stream, entries] of reply ?? []) {
        for (const [id, fields] of entries) {
          cursors[stream] = id;
          const raw = fields[fields.indexOf(STREAM_FIELD.command) + 1] as string;
          await log.publishSide(await apply(raw));
          handled++;
        }
      }
    }
  })();

  return {
    get handled() {
      return handled;
    },
    async stop() {
      stopped = true;
      await loop;
      conn.disconnect();
    },
  };
}
