// What one MCP transport plugs into an MCP test server (http-server.ts): its routes and its live
// sessions. The server around it owns the listener, the fault switch (the `slow` delay and `down`
// happen before a request reaches an endpoint) and the /fault and /tools routes, so every
// transport shares those semantics; an endpoint only decides how `error` answers reach a client.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultMode } from './fault.js';
import type { ToolCatalog } from './tools.js';

export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export interface McpEndpointContext {
  /** Server name (error messages say which server is failing). */
  readonly name: string;
  readonly tools: ToolCatalog;
  readonly maxSessions: number;
  /** The fault a request experiences now; read once its body has arrived. */
  mode(): Exclude<FaultMode, 'flap'>;
}

export interface McpEndpoint {
  /** Path clients connect to: `/mcp` (streamable HTTP) or `/sse`. */
  readonly path: string;
  /** This endpoint's handler for a request path, or undefined when the path is not its. */
  handler(path: string): Handler | undefined;
  sessions(): number;
  /** Open server→client event streams (where notifications such as tools/list_changed go). */
  streams(): number;
  closeSessions(): Promise<void>;
}

/** Body size limit for MCP messages, as the SDK's own transports use. */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

export interface SessionTable<T> {
  get(id: string): T | undefined;
  /** Adds a session; beyond `max`, the oldest are closed (clients that vanish never say bye). */
  add(id: string, session: T): void;
  delete(id: string): void;
  readonly size: number;
  closeAll(): Promise<void>;
}

export function createSessionTable<T extends { close(): Promise<void> }>(
  max: number,
): SessionTable<T> {
  const sessions = new Map<string, T>();
  return {
    get: (id) => sessions.get(id),
    add(id, session) {
      sessions.set(id, session);
      while (sessions.size > max) {
        const [oldest] = sessions;
        if (oldest === undefined) break;
        sessions.delete(oldest[0]);
        void oldest[1].close().catch(() => undefined);
      }
    },
    delete: (id) => void sessions.delete(id),
    get size() {
      return sessions.size;
    },
    async closeAll() {
      const all = [...sessions.values()];
      sessions.clear();
      await Promise.all(all.map((s) => s.close().catch(() => undefined)));
    },
  };
}

/** The JSON-RPC error body for a request naming no session or an unknown one. */
export function noSession(sessionId: string | undefined): {
  readonly status: number;
  readonly body: unknown;
} {
  return {
    status: sessionId === undefined ? 400 : 404,
    body: {
      jsonrpc: '2.0',
      error: {
        code: -32001,
        message: sessionId === undefined ? 'Bad Request: no session' : 'Session not found',
      },
      id: null,
    },
  };
}
