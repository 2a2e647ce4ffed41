// One real MCP server over streamable HTTP (stateful sessions, SDK transport) with a fault switch.
// `down` closes the listener and drops every connection and session, so clients see refused
// connections; `slow` delays every response; `error` answers every JSON-RPC request with an error;
// `flap` alternates error/ok. The switch is set in-process or over `POST /fault` on the same port
// (unreachable while down: use the in-process handle or a fleet's control server then).
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import {
  applyFault,
  effectiveMode,
  FaultRequest,
  initialFault,
  type FaultMode,
  type FaultState,
} from './fault.js';
import { HttpBodyError, readJson, sendJson } from './http-util.js';
import {
  applyToolsRequest,
  createToolCatalog,
  defaultTools,
  ToolsRequest,
  type ToolCatalog,
  type ToolSpec,
} from './tools.js';

export interface McpTestServerOptions {
  readonly name: string;
  /** 0 (default) = a free port, kept across down/up. */
  readonly port?: number;
  readonly host?: string;
  /** Tools offered; default: `defaultTools(name, toolCount)`. */
  readonly tools?: readonly ToolSpec[];
  readonly toolCount?: number;
  readonly fault?: FaultMode;
  /** Oldest sessions are closed beyond this (clients that vanished never say goodbye). */
  readonly maxSessions?: number;
}

export interface McpTestServerInfo {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  readonly fault: FaultState;
  readonly effective: Exclude<FaultMode, 'flap'>;
  readonly listening: boolean;
  readonly sessions: number;
  /** Open standalone SSE streams (GET /mcp): where server notifications such as
   * tools/list_changed travel; a client hears them only once its stream is open. */
  readonly streams: number;
  readonly requests: number;
  readonly tools: readonly string[];
}

export interface McpTestServer {
  readonly name: string;
  /** MCP endpoint, e.g. `http://127.0.0.1:41234/mcp`. */
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

interface Session {
  readonly transport: StreamableHTTPServerTransport;
  readonly detach: () => void;
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
  const maxSessions = options.maxSessions ?? 32;
  const tools = createToolCatalog(name, options.tools ?? defaultTools(name, options.toolCount));
  const sessions = new Map<string, Session>();
  const pendingDelays = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  let fault = initialFault(Date.now(), options.fault ?? 'ok');
  let requests = 0;
  let streams = 0;
  let closed = false;
  let listening = false;

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

  const closeSessions = async (): Promise<void> => {
    const all = [...sessions.values()];
    sessions.clear();
    await Promise.all(all.map((s) => s.transport.close().catch(() => undefined)));
  };

  const newSession = async (): Promise<StreamableHTTPServerTransport> => {
    const { server, detach } = tools.createServer();
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableJsonResponse: true,
      onsessioninitialized: (sid) => {
        sessions.set(sid, { transport, detach });
        while (sessions.size > maxSessions) {
          const [oldest] = sessions.keys();
          if (oldest === undefined) break;
          const s = sessions.get(oldest);
          sessions.delete(oldest);
          void s?.transport.close().catch(() => undefined);
        }
      },
    });
    transport.onclose = () => {
      if (transport.sessionId !== undefined) sessions.delete(transport.sessionId);
      detach();
    };
    await server.connect(transport);
    return transport;
  };

  const handleMcp = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const mode = effectiveMode(fault, Date.now());
    if (mode === 'slow') await delay(fault.slow_ms);
    if (closed || !listening) {
      res.destroy();
      return;
    }
    let body: unknown;
    if (req.method === 'POST') {
      body = await readJson(req, 4 * 1024 * 1024);
      if (effectiveMode(fault, Date.now()) === 'error') {
        const msgs = Array.isArray(body) ? (body as unknown[]) : [body];
        const ids = msgs
          .map((m) =>
            m !== null && typeof m === 'object' ? (m as { id?: unknown }).id : undefined,
          )
          .filter((id) => typeof id === 'string' || typeof id === 'number');
        if (ids.length === 0) {
          res.writeHead(202).end();
          return;
        }
        const errors = ids.map((id) => ({
          jsonrpc: '2.0',
          id,
          error: { code: -32603, message: `injected fault: ${name} is in error mode` },
        }));
        sendJson(res, 200, Array.isArray(body) ? errors : errors[0]);
        return;
      }
    }
    const sid = req.headers['mcp-session-id'];
    const existing = typeof sid === 'string' ? sessions.get(sid) : undefined;
    if (existing !== undefined) {
      if (req.method === 'GET') {
        streams++;
        res.once('close', () => streams--);
      }
      await existing.transport.handleRequest(req, res, body);
      return;
    }
    if (sid === undefined && req.method === 'POST' && isInitializeRequest(body)) {
      const transport = await newSession();
      await transport.handleRequest(req, res, body);
      return;
    }
    sendJson(res, sid === undefined ? 400 : 404, {
      jsonrpc: '2.0',
      error: {
        code: -32001,
        message: sid === undefined ? 'Bad Request: no session' : 'Session not found',
      },
      id: null,
    });
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

  const http = createServer((req, res) => {
    requests++;
    const path = (req.url ?? '/').split('?')[0];
    const route =
      path === '/mcp'
        ? handleMcp
        : path === '/fault'
          ? handleFault
          : path === '/tools'
            ? handleTools
            : null;
    if (route === null) {
      sendJson(res, 404, { error: 'not found' });
      return;
    }
    route(req, res).catch((err: unknown) => {
      const status = err instanceof HttpBodyError ? err.status : 500;
      if (!res.headersSent && !res.destroyed) {
        sendJson(res, status, { error: err instanceof Error ? err.message : String(err) });
      } else res.destroy();
    });
  });
  // Keep-alive sockets must not outlive `down`; closeAllConnections() below handles that.
  const port = await listen(http, options.port ?? 0, host);
  listening = true;
  const base = `http://${host}:${port}`;

  const goDown = async (): Promise<void> => {
    if (!listening) return;
    listening = false;
    const closedPromise = new Promise<void>((resolve) => http.close(() => resolve()));
    http.closeAllConnections();
    await closeSessions();
    await closedPromise;
  };
  const goUp = async (): Promise<void> => {
    if (listening || closed) return;
    await listen(http, port, host);
    listening = true;
  };

  const handle: McpTestServer = Object.freeze({
    name,
    url: `${base}/mcp`,
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
      url: `${base}/mcp`,
      port,
      fault,
      effective: effectiveMode(fault, Date.now()),
      listening,
      sessions: sessions.size,
      streams,
      requests,
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
      else await closeSessions();
    },
  });
  if (fault.mode === 'down') await goDown();
  return handle;
}
