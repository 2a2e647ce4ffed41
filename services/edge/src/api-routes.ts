// What every /api route of the edge shares: CORS for allowed origins, the Host policy, the status
// metric, the body limit, the caller from `Authorization: Bearer` (origin checked first), and the
// MCP named in the path. admin.ts (fleet API), alerts-api.ts (alerting API) and uptime-api.ts
// (uptime history) mount their routes with it.
import { BeaconError, McpName, parseOrThrow } from '@beacon/protocol';
import type { Logger } from 'pino';
import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { ANONYMOUS, originAllowed, type Authenticator, type Principal } from './auth.js';
import type { EdgeMetrics } from './edge-metrics.js';
import type { HostPolicy } from './hosts.js';
import { handle, parseJsonBody, type Reply, type RequestInfo } from './http.js';

export interface ApiRoutesDeps {
  readonly auth: Authenticator;
  readonly allowedOrigins: readonly string[];
  readonly hosts: HostPolicy;
  readonly maxBodyBytes: number;
  readonly metrics: EdgeMetrics;
  readonly log: Logger;
}

export interface ApiRoutes {
  /** A uWS handler: `paramCount` path parameters, a body (within the limit) when `withBody`. */
  route(
    paramCount: number,
    withBody: boolean,
    fn: (info: RequestInfo, b: Buffer | null) => Promise<Reply>,
  ): (res: HttpResponse, req: HttpRequest) => void;
  /** The caller: 403 for a foreign Origin, 401 without a token, the verified principal else. */
  principalOf(info: RequestInfo): Promise<Principal>;
  /** The request body as JSON (the content type checked; an empty body is an error naming it). */
  body(b: Buffer | null, info: RequestInfo): unknown;
}

export function createApiRoutes(deps: ApiRoutesDeps): ApiRoutes {
  const cors = (info: RequestInfo): Record<string, string> => {
    const origin = info.header('origin');
    if (origin === '' || !originAllowed(origin, info.header('host'), deps.allowedOrigins))
      return {};
    return { 'access-control-allow-origin': origin, vary: 'origin' };
  };
  const base = {
    log: deps.log,
    extraHeaders: cors,
    onReply: (s: number) => deps.metrics.http(s),
    hosts: deps.hosts,
  };
  const withBodyLimit = { ...base, bodyLimit: deps.maxBodyBytes };
  return {
    route: (paramCount, withBody, fn) => (res, req) =>
      handle(res, req, { ...(withBody ? withBodyLimit : base), paramCount }, fn),
    async principalOf(info) {
      if (!originAllowed(info.header('origin'), info.header('host'), deps.allowedOrigins)) {
        throw new BeaconError('forbidden', `origin ${info.header('origin')} is not allowed`);
      }
      if (!deps.auth.enabled) return ANONYMOUS;
      const m = /^Bearer\s+(\S+)\s*$/i.exec(info.header('authorization'));
      if (m?.[1] === undefined) {
        throw new BeaconError('unauthorized', 'missing token (Authorization: Bearer <jwt>)');
      }
      return deps.auth.verify(m[1]);
    },
    body: (b, info) => parseJsonBody(b ?? Buffer.alloc(0), info.header('content-type')),
  };
}

/**
 * The MCP named in the first path parameter: URL-decoded and validated (400 naming it), and 404 —
 * the same answer as for an MCP that does not exist — when the caller's token does not cover it.
 */
export function mcpInPath(info: RequestInfo, p: Principal): string {
  let raw = info.params[0] ?? '';
  try {
    raw = decodeURIComponent(raw);
  } catch {
    throw new BeaconError('invalid', 'MCP name is not valid URL encoding');
  }
  const name = parseOrThrow(McpName, raw, 'MCP name');
  if (!p.filter(name)) throw new BeaconError('not_found', `MCP ${name} not found`);
  return name;
}
