// The HTTP API under /api: fleet reads for any valid token (filtered by its `mcps` claim),
// fleet writes and circuit actions for admins only. Writes become worker commands and are
// answered once the worker reports the resulting event's offset (and this edge has mirrored it).
// Whether an MCP exists is the worker's answer (not_found → 404), not this edge's mirror: the
// mirror may lag the log, and a write right after a register on another edge must still apply.
import type { EventLog } from '@beacon/event-log';
import {
  BeaconError,
  McpConfig,
  McpConfigPatch,
  McpName,
  Offset,
  parseOrThrow,
  type CommandResult,
  type NameFilter,
  type SystemMetricsMessage,
} from '@beacon/protocol';
import type { Logger } from 'pino';
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { z } from 'zod';
import {
  isScoped,
  originAllowed,
  requireAdmin,
  type Authenticator,
  type Principal,
} from './auth.js';
import { createApiRoutes, mcpInPath } from './api-routes.js';
import { commandError, type CommandBus } from './commands.js';
import { isSealedCursor, type CursorCodec } from './cursors.js';
import type { EdgeMetrics } from './edge-metrics.js';
import type { HostPolicy } from './hosts.js';
import { json, JSON_TYPE, misdirectedReply, send, type Reply } from './http.js';
import { createHistory } from './history.js';
import { rowsOf, scopedMetrics } from './scoped-metrics.js';
import type { Mirror } from './mirror.js';

export interface AdminDeps {
  readonly app: TemplatedApp;
  readonly mirror: Mirror;
  readonly eventLog: Pick<EventLog, 'replay' | 'replayBackward'>;
  readonly commands: CommandBus;
  readonly auth: Authenticator;
  readonly allowedOrigins: readonly string[];
  readonly hosts: HostPolicy;
  readonly cursors: CursorCodec;
  readonly maxBodyBytes: number;
  /** BEACON_COMMAND_TIMEOUT_MS: how long a worker may take to answer a command. */
  readonly commandTimeoutMs: number;
  readonly latestMetrics: () => SystemMetricsMessage | null;
  readonly metrics: EdgeMetrics;
  readonly logger: Logger;
}

const CircuitBody = z.strictObject({ action: z.enum(['force_open', 'force_closed', 'reset']) });
/** `POST /api/mcps/:name/probe` takes no options: an empty body or `{}`. */
const ProbeBody = z.strictObject({});
/** An offset, or a sealed cursor a scoped token was handed (cursors.ts). */
const Cursor = z.union([
  Offset,
  z.string().refine(isSealedCursor, 'must be an offset or a cursor'),
]);
const EventsQuery = z
  .object({
    since: Cursor.optional(),
    /** Newest first, strictly before this offset; `latest` = from the newest event. */
    before: z.union([z.literal('latest'), Cursor]).optional(),
    epoch: z.string().min(1).max(128).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    mcp: McpName.optional(),
  })
  .refine((q) => q.since === undefined || q.before === undefined, {
    message: 'use either since (oldest first) or before (newest first), not both',
    path: ['before'],
  });

/** How long a write waits for this edge's mirror to show its result (read-your-writes). */
const MIRROR_WAIT_MS = 2_000;

export function mountAdmin(deps: AdminDeps): void {
  const { app, mirror, eventLog, commands, auth, logger, metrics } = deps;
  const log = logger.child({ component: 'admin' });
  const history = createHistory({ mirror, eventLog });

  const api = createApiRoutes({ ...deps, log });
  const { route, principalOf, body } = api;
  /** For the plain uWS routes below: answer 421 and return true when Host is foreign. */
  const misdirected = (res: HttpResponse, req: HttpRequest): boolean => {
    const host = req.getHeader('host');
    if (deps.hosts.allows(host)) return false;
    metrics.http(421);
    send(res, { aborted: false, done: false }, misdirectedReply(host));
    return true;
  };

  function mayWrite(p: Principal, name: string): void {
    requireAdmin(p);
    if (!p.filter(name)) throw new BeaconError('forbidden', `token may not manage MCP ${name}`);
  }

  /**
   * A stdio transport runs a process on the registry host: never for a scoped admin (whose token
   * is limited to some MCPs), neither a new one nor a change of an existing one. The registry
   * checks the same (the command says `scoped`) and, for everyone, its allow-list.
   */
  function mayTouchStdio(p: Principal, name: string, transport: { type: string } | undefined) {
    if (p.mcps === null || transport === undefined) return;
    const current = mirror.row(name)?.config?.transport.type;
    if (transport.type === 'stdio' || current === 'stdio') {
      throw new BeaconError(
        'forbidden',
        'stdio transports cannot be registered or changed by a scoped admin (token with an mcps claim)',
      );
    }
  }

  async function answer(result: CommandResult, status: number, name: string): Promise<Reply> {
    metrics.command(result.ok ? 'ok' : (result.error?.code ?? 'failed'));
    if (!result.ok) throw commandError(result);
    if (result.offset !== undefined) await mirror.reached(result.offset, MIRROR_WAIT_MS);
    const row = mirror.rowJson(name) ?? 'null';
    return json(
      status,
      `{"command_id":${JSON.stringify(result.command_id)},"offset":${JSON.stringify(result.offset ?? null)},"mcp":${row}}`,
    );
  }

  const requireReady = (): void => {
    if (!mirror.ready) throw new BeaconError('unavailable', 'edge is not synchronised yet');
  };

  app.get(
    '/api/session',
    route(0, false, async (info) => {
      const p = await principalOf(info);
      return json(
        200,
        JSON.stringify({ sub: p.sub, role: p.role, mcps: p.mcps, exp: p.exp, auth: auth.enabled }),
      );
    }),
  );

  app.get(
    '/api/mcps',
    route(0, false, async (info) => {
      const p = await principalOf(info);
      requireReady();
      const filter: NameFilter | null = p.mcps === null ? null : p.filter;
      return json(
        200,
        `{"mcps":${mirror.rowsJson(filter)},"offset":${JSON.stringify(mirror.offset)},"epoch":${JSON.stringify(mirror.epoch)}}`,
      );
    }),
  );

  app.get(
    '/api/mcps/:name',
    route(1, false, async (info) => {
      const p = await principalOf(info);
      requireReady();
      const name = mcpInPath(info, p);
      const row = mirror.rowJson(name);
      if (row === undefined) throw new BeaconError('not_found', `MCP ${name} not found`);
      return json(200, row);
    }),
  );

  app.post(
    '/api/mcps',
    route(0, true, async (info, b) => {
      const p = await principalOf(info);
      requireAdmin(p);
      const config = parseOrThrow(McpConfig, body(b, info), 'MCP registration');
      mayWrite(p, config.name);
      mayTouchStdio(p, config.name, config.transport);
      if (mirror.row(config.name) !== undefined) {
        throw new BeaconError('conflict', `MCP ${config.name} is already registered; use PATCH`);
      }
      const scoped = p.mcps !== null;
      return answer(
        await commands.registry({ type: 'register', config, scoped }, p.sub),
        201,
        config.name,
      );
    }),
  );

  app.patch(
    '/api/mcps/:name',
    route(1, true, async (info, b) => {
      const p = await principalOf(info);
      requireAdmin(p);
      const name = mcpInPath(info, p);
      mayWrite(p, name);
      const patch = parseOrThrow(McpConfigPatch, body(b, info), 'MCP update');
      const keys = Object.keys(patch);
      if (keys.length === 0) throw new BeaconError('invalid', 'empty update: nothing to change');
      mayTouchStdio(p, name, patch.transport);
      const scoped = p.mcps !== null;
      const result =
        keys.length === 1 && patch.enabled !== undefined
          ? await commands.registry({ type: patch.enabled ? 'enable' : 'disable', name }, p.sub)
          : await commands.registry({ type: 'update', name, patch, scoped }, p.sub);
      return answer(result, 200, name);
    }),
  );

  app.del(
    '/api/mcps/:name',
    route(1, false, async (info) => {
      const p = await principalOf(info);
      requireAdmin(p);
      const name = mcpInPath(info, p);
      mayWrite(p, name);
      return answer(await commands.registry({ type: 'remove', name }, p.sub), 200, name);
    }),
  );

  // Recheck now: one probe at once, answered with its result once its decision is mirrored.
  app.post(
    '/api/mcps/:name/probe',
    route(1, true, async (info, b) => {
      const p = await principalOf(info);
      requireAdmin(p);
      const name = mcpInPath(info, p);
      mayWrite(p, name);
      if (b !== null && b.length > 0) parseOrThrow(ProbeBody, body(b, info), 'probe request');
      // The registry may wait for a probe in flight, then runs its own: up to two MCP timeouts.
      const mcpTimeout = mirror.row(name)?.config?.timeout_ms ?? 0;
      const result = await commands.registry(
        { type: 'probe', name },
        p.sub,
        Math.max(deps.commandTimeoutMs, 2 * mcpTimeout + deps.commandTimeoutMs),
      );
      metrics.command(result.ok ? 'ok' : (result.error?.code ?? 'failed'));
      if (!result.ok) throw commandError(result);
      if (result.offset !== undefined) await mirror.reached(result.offset, MIRROR_WAIT_MS);
      return json(
        200,
        `{"command_id":${JSON.stringify(result.command_id)},"offset":${JSON.stringify(result.offset ?? null)},"probe":${JSON.stringify(result.probe ?? null)},"mcp":${mirror.rowJson(name) ?? 'null'}}`,
      );
    }),
  );

  app.post(
    '/api/mcps/:name/circuit',
    route(1, true, async (info, b) => {
      const p = await principalOf(info);
      requireAdmin(p);
      const name = mcpInPath(info, p);
      mayWrite(p, name);
      const { action } = parseOrThrow(CircuitBody, body(b, info), 'circuit action');
      return answer(await commands.breaker({ type: action, name }, p.sub), 200, name);
    }),
  );

  app.get(
    '/api/events',
    route(0, false, async (info) => {
      const p = await principalOf(info);
      requireReady();
      const q = parseOrThrow(
        EventsQuery,
        Object.fromEntries(
          ['since', 'before', 'epoch', 'limit', 'mcp'].flatMap((k) => {
            const v = info.q(k);
            return v === null || v === '' ? [] : [[k, v]];
          }),
        ),
        'query',
      );
      if (q.epoch !== undefined && q.epoch !== mirror.epoch) {
        throw new BeaconError('conflict', `epoch ${q.epoch} is not the log's current epoch`);
      }
      const filter: NameFilter = (n) => p.filter(n) && (q.mcp === undefined || n === q.mcp);
      // A scoped token's cursors are sealed: a raw offset would tell it when MCPs it may not
      // see had events. Its own events' offsets it may use as they are.
      const epoch = mirror.epoch;
      const incoming = (c: string): Promise<string> =>
        isSealedCursor(c) ? deps.cursors.open(epoch, c) : Promise.resolve(c);
      const cursor = isScoped(p) ? (offset: string) => deps.cursors.seal(epoch, offset) : undefined;
      if (q.before !== undefined) {
        const from = q.before === 'latest' ? null : await incoming(q.before);
        return json(200, await history.before(from, q.limit, filter, cursor));
      }
      const since = q.since === undefined ? undefined : await incoming(q.since);
      return json(200, await history.after(since, q.limit, filter, cursor));
    }),
  );

  app.get(
    '/api/metrics',
    route(0, false, async (info) => {
      const p = await principalOf(info);
      const latest = deps.latestMetrics();
      if (latest === null) throw new BeaconError('not_found', 'no system_metrics published yet');
      // A scoped token learns nothing about the rest of the fleet (see scoped-metrics.ts).
      const shown = isScoped(p) ? scopedMetrics(latest, rowsOf(mirror), p.filter) : latest;
      return json(200, JSON.stringify(shown));
    }),
  );

  app.options('/api/*', (res, req) => {
    if (misdirected(res, req)) return;
    const origin = req.getHeader('origin');
    const allowed =
      origin !== '' && originAllowed(origin, req.getHeader('host'), deps.allowedOrigins);
    res.cork(() => {
      res.writeStatus(allowed ? '204 No Content' : '403 Forbidden');
      if (allowed) {
        res
          .writeHeader('access-control-allow-origin', origin)
          .writeHeader('vary', 'origin')
          .writeHeader('access-control-allow-methods', 'GET, POST, PUT, PATCH, DELETE, OPTIONS')
          .writeHeader('access-control-allow-headers', 'authorization, content-type')
          .writeHeader('access-control-max-age', '600');
      }
      res.endWithoutBody();
    });
  });

  app.any('/api/*', (res, req) => {
    if (misdirected(res, req)) return;
    const method = req.getMethod().toUpperCase();
    const url = req.getUrl();
    res.cork(() => {
      res
        .writeStatus('404 Not Found')
        .writeHeader('content-type', JSON_TYPE)
        .end(
          JSON.stringify({ error: { code: 'not_found', message: `no route ${method} ${url}` } }),
        );
    });
    metrics.http(404);
  });
}
