// One real MCP test server with a fault switch, over streamable HTTP (default, `/mcp`) or the
// older HTTP+SSE transport (`/sse` + `/messages`); the transports live in streamable-endpoint.ts
// and sse-endpoint.ts, the fault semantics here, shared by both. `down` closes the listener and
// drops every connection and session, so clients see refused connections; `slow` delays every
// MCP request; `error` answers every JSON-RPC request with an error; `flap` alternates error/ok;
// `http_error` answers every MCP POST with a plain HTTP error status and body.
// The switch is set in-process or over `POST /fault` on the same port (unreachable while down:
// use the in-process handle or a fleet's control server then). With `tls` the same server speaks
// https (node:https), e.g. with a certificate from createTestCa().
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import {
  applyFault,
  effectiveMode,
  FaultRequest,
  initialFault,
  type FaultMode,
  type FaultState,
} from './fault.js';
import { HttpBodyError, readJson, sendJson } from './http-util.js';
import type { Handler, McpEndpoint, McpEndpointContext } from './mcp-endpoint.js';
import { createSseEndpoint } from './sse-endpoint.js';
import { createStreamableEndpoint } from './streamable-endpoint.js';
import {
  applyToolsRequest,
  createToolCatalog,
  defaultTools,
  ToolsRequest,
  type ToolCatalog,
  type ToolSpec,
} from './tools.js';

/** The MCP transports a test server can speak (the registry's `transport.type` names). */
export type McpTestTransport = 'streamable-http' | 'sse';

const endpoints: Record<McpTestTransport, (ctx: McpEndpointContext) => McpEndpoint> = {
  'streamable-http': createStreamableEndpoint,
  sse: createSseEndpoint,
};

export interface McpTestServerOptions {
  readonly name: string;
  /** Default `streamable-http`. */
  readonly transport?: McpTestTransport;
  /** 0 (default) = a free port, kept across down/up. */
  readonly port?: number;
  readonly host?: string;
  /** Tools offered; default: `defaultTools(name, toolCount)`. */
  readonly tools?: readonly ToolSpec[];
  readonly toolCount?: number;
  readonly fault?: FaultMode;
  /** Oldest sessions are closed beyond this (clients that vanished never say goodbye). */
  readonly maxSessions?: number;
  /** Serve https with this key and certificate (PEM); URLs then start with `https://`. */
  readonly tls?: { readonly key: string | Buffer; readonly cert: string | Buffer };
}

export interface McpTestServerInfo {
  readonly name: string;
  readonly transport: McpTestTransport;
  readonly url: string;
  readonly port: number;
  readonly fault: FaultState;
  readonly effective: Exclude<FaultMode, 'flap'>;
  readonly listening: boolean;
  readonly sessions: number;
  /** Open server→client event streams (streamable HTTP: standalone GET /mcp streams; SSE: one
   * per session): where notifications such as tools/list_changed travel, so a client hears them
   * only once its stream is open. */
  readonly streams: number;
  readonly requests: number;
  /** TCP (or TLS) connections accepted so far, MCP or not. */
  readonly connections: number;
  readonly tools: readonly string[];
}

export interface McpTestServer {
  readonly name: string;
  readonly transport: McpTestTransport;
  /** MCP endpoint, e.g. `http://127.0.0.1:41234/mcp` (streamable HTTP) or `.../sse` (`https://`
   * with `tls`). */
  readonly url: string;
  readonly port: number;
  /** Fault endpoint on the same port (`GET` / `POST {"mode": ...}`). */
  readonly faultUrl: string;
  readonly tools: ToolCatalog;
  fault(): FaultState;
  setFault(request: FaultRequest | FaultMode): Promise<FaultState>;
  info(): McpTestServerInfo;
  close(): Promise<void>;
}

const listen = (server: Server, port: number, host: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });

export async function startMcpTestServer(options: McpTestServerOptions): Promise<McpTestServer> {
  const name = options.name;
  const host = options.host ?? '127.0.0.1';
  const transport = options.transport ?? 'streamable-http';
  if (!Object.hasOwn(endpoints, transport)) {
    throw new TypeError(
      `${name}: unknown MCP transport ${String(transport)} (use ${Object.keys(endpoints).join(' or ')})`,
    );
  }
  const maxSessions = options.maxSessions ?? 32;
  const tools = createToolCatalog(name, options.tools ?? defaultTools(name, options.toolCount));
  const pendingDelays = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  let fault = initialFault(Date.now(), options.fault ?? 'ok');
  let requests = 0;
  let connections = 0;
  let closed = false;
  let listening = false;
  const endpoint = endpoints[transport]({
    name,
    tools,
    maxSessions,
    mode: () => effectiveMode(fault, Date.now()),
  });

  const delay = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          pendingDelays.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      pendingDelays.add(entry);
    });

  // The fault switch in front of every MCP request, whatever the transport.
  const mcpRoute =
    (handler: Handler): Handler =>
    async (req, res) => {
      if (effectiveMode(fault, Date.now()) === 'slow') await delay(fault.slow_ms);
      if (closed || !listening) {
        res.destroy();
        return;
      }
      if (req.method === 'POST' && effectiveMode(fault, Date.now()) === 'http_error') {
        req.resume();
        res.writeHead(fault.http_status, { 'content-type': 'text/plain' });
        res.end(fault.http_body);
        return;
      }
      await handler(req, res);
    };

  const handleFault = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method === 'POST') {
      const parsed = FaultRequest.safeParse(await readJson(req, 64 * 1024));
      if (!parsed.success) {
        sendJson(res, 400, { error: 'invalid fault request', issues: parsed.error.issues });
        return;
      }
      if (parsed.data.mode === 'down') {
        // Answer first: going down drops every connection, this one included.
        const request = parsed.data;
        res.once('finish', () => void handle.setFault(request).catch(() => undefined));
        sendJson(res, 202, { name, fault: request, listening: false });
        return;
      }
      await handle.setFault(parsed.data);
    } else if (req.method !== 'GET') {
      sendJson(res, 405, { error: 'use GET or POST' });
      return;
    }
    sendJson(res, 200, handle.info());
  };

  const handleTools = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method === 'POST') {
      const parsed = ToolsRequest.safeParse(await readJson(req, 64 * 1024));
      if (!parsed.success) {
        sendJson(res, 400, { error: 'invalid tools request', issues: parsed.error.issues });
        return;
      }
      const error = applyToolsRequest(tools, parsed.data);
      if (error !== null) {
        sendJson(res, 404, { error });
        return;
      }
    }
    sendJson(res, 200, { tools: tools.list() });
  };

  const onRequest: RequestListener = (req, res) => {
    requests++;
    const path = (req.url ?? '/').split('?')[0];
    const mcp = endpoint.handler(path ?? '/');
    const route =
      mcp !== undefined
        ? mcpRoute(mcp)
        : path === '/fault'
          ? handleFault
          : path === '/tools'
            ? handleTools
            : undefined;
    if (route === undefined) {
      sendJson(res, 404, { error: 'not found' });
      return;
    }
    route(req, res).catch((err: unknown) => {
      const status = err instanceof HttpBodyError ? err.status : 500;
      if (!res.headersSent && !res.destroyed) {
        sendJson(res, status, { error: err instanceof Error ? err.message : String(err) });
      } else res.destroy();
    });
  };
  // An https.Server is an http.Server for everything used here (listen, close, closeAllConnections).
  const http: Server =
    options.tls === undefined
      ? createServer(onRequest)
      : createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, onRequest);
  http.on('connection', () => connections++);
  // Keep-alive sockets must not outlive `down`; closeAllConnections() below handles that.
  const port = await listen(http, options.port ?? 0, host);
  listening = true;
  const base = `${options.tls === undefined ? 'http' : 'https'}://${host}:${port}`;

  const goDown = async (): Promise<void> => {
    if (!listening) return;
    listening = false;
    const closedPromise = new Promise<void>((resolve) => http.close(() => resolve()));
    http.closeAllConnections();
    await endpoint.closeSessions();
    await closedPromise;
  };
  const goUp = async (): Promise<void> => {
    if (listening || closed) return;
    await listen(http, port, host);
    listening = true;
  };

  const url = `${base}${endpoint.path}`;
  const handle: McpTestServer = Object.freeze({
    name,
    transport,
    url,
    port,
    faultUrl: `${base}/fault`,
    tools,
    fault: () => fault,
    async setFault(request: FaultRequest | FaultMode): Promise<FaultState> {
      const req = typeof request === 'string' ? { mode: request } : FaultRequest.parse(request);
      fault = applyFault(fault, req, Date.now());
      if (fault.mode === 'down') await goDown();
      else await goUp();
      return fault;
    },
    info: (): McpTestServerInfo => ({
      name,
      transport,
      url,
      port,
      fault,
      effective: effectiveMode(fault, Date.now()),
      listening,
      sessions: endpoint.sessions(),
      streams: endpoint.streams(),
      requests,
      connections,
      tools: tools.list().map((t) => t.name),
    }),
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      for (const d of pendingDelays) {
        clearTimeout(d.timer);
        d.resolve();
      }
      pendingDelays.clear();
      if (listening) await goDown();
      else await endpoint.closeSessions();
    },
  });
  if (fault.mode === 'down') await goDown();
  return handle;
}
