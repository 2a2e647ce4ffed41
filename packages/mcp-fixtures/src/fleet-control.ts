// HTTP control API for a fleet of MCP test servers. It stays up while individual servers are
// `down`, so faults can always be switched back. Used by tests and by services/demo-mcp (whose
// dashboard demo mode calls it cross-origin, hence CORS).
//   GET  /servers                     → [{ name, url, fault, effective, listening, tools, ... }]
//   GET  /servers/:name               → one server
//   POST /servers/:name/fault         ← {"mode":"down"|"ok"|"slow"|"error"|"flap", "slow_ms"?, "flap_ms"?}
//   POST /servers/:name/tools         ← {"add":{"name":"x"}} | {"remove":"x"}
//   POST /fault                       ← same body, applied to every server
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultRequest } from './fault.js';
import { UnknownServerError, type McpFleet } from './fleet.js';
import { HttpBodyError, readJson, sendJson } from './http-util.js';
import { applyToolsRequest, ToolsRequest } from './tools.js';

export interface FleetControlOptions {
  readonly port?: number;
  readonly host?: string;
  /** Origins allowed to call the API from a browser; `*` allows any. Default: none. */
  readonly allowedOrigins?: readonly string[];
}

export interface FleetControl {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export function fleetControlHandler(fleet: McpFleet, options: FleetControlOptions = {}): Handler {
  const allowed = new Set(options.allowedOrigins ?? []);
  const cors = (req: IncomingMessage): Record<string, string> => {
    const origin = req.headers.origin;
    if (origin === undefined) return {};
    if (!allowed.has('*') && !allowed.has(origin)) return {};
    return {
      'access-control-allow-origin': allowed.has('*') ? '*' : origin,
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      'access-control-allow-headers': 'content-type, authorization',
      'access-control-max-age': '600',
      vary: 'origin',
    };
  };

  return async (req, res) => {
    const headers = cors(req);
    const reply = (status: number, body: unknown): void => sendJson(res, status, body, headers);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, headers).end();
      return;
    }
    const parts = (req.url ?? '/')
      .split('?')[0]!
      .split('/')
      .filter(Boolean)
      .map(decodeURIComponent);
    try {
      if (req.method === 'GET' && parts.length === 1 && parts[0] === 'servers') {
        reply(200, { servers: fleet.info() });
      } else if (req.method === 'GET' && parts.length === 2 && parts[0] === 'servers') {
        const s = fleet.get(parts[1]!);
        if (s === undefined) reply(404, { error: `no demo MCP server named ${parts[1]}` });
        else reply(200, s.info());
      } else if (
        req.method === 'POST' &&
        parts.length === 3 &&
        parts[0] === 'servers' &&
        parts[2] === 'fault'
      ) {
        const parsed = FaultRequest.safeParse(await readJson(req, 64 * 1024));
        if (!parsed.success)
          reply(400, { error: 'invalid fault request', issues: parsed.error.issues });
        else reply(200, await fleet.setFault(parts[1]!, parsed.data));
      } else if (
        req.method === 'POST' &&
        parts.length === 3 &&
        parts[0] === 'servers' &&
        parts[2] === 'tools'
      ) {
        const s = fleet.get(parts[1]!);
        const parsed = ToolsRequest.safeParse(await readJson(req, 64 * 1024));
        if (s === undefined) reply(404, { error: `no demo MCP server named ${parts[1]}` });
        else if (!parsed.success)
          reply(400, { error: 'invalid tools request', issues: parsed.error.issues });
        else {
          const error = applyToolsRequest(s.tools, parsed.data);
          reply(error === null ? 200 : 404, error === null ? s.info() : { error });
        }
      } else if (req.method === 'POST' && parts.length === 1 && parts[0] === 'fault') {
        const parsed = FaultRequest.safeParse(await readJson(req, 64 * 1024));
        if (!parsed.success)
          reply(400, { error: 'invalid fault request', issues: parsed.error.issues });
        else {
          await fleet.setAll(parsed.data);
          reply(200, { servers: fleet.info() });
        }
      } else {
        reply(404, { error: 'not found' });
      }
    } catch (err) {
      if (err instanceof UnknownServerError) reply(404, { error: err.message });
      else if (err instanceof HttpBodyError) reply(err.status, { error: err.message });
      else reply(500, { error: err instanceof Error ? err.message : String(err) });
    }
  };
}

export async function startFleetControl(
  fleet: McpFleet,
  options: FleetControlOptions = {},
): Promise<FleetControl> {
  const handler = fleetControlHandler(fleet, options);
  const server = createServer((req, res) => {
    handler(req, res).catch(() => res.destroy());
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return Object.freeze({
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}
