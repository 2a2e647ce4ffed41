// Streamable HTTP on an MCP test server (stateful sessions, SDK StreamableHTTPServerTransport with
// JSON responses) at `/mcp`: POST carries requests and their answers, GET opens the standalone
// SSE stream for server notifications. In `error` mode every request is answered with a JSON-RPC
// error in the POST response.
import { randomUUID } from 'node:crypto';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { injectedErrors } from './fault.js';
import { readJson, sendJson } from './http-util.js';
import {
  createSessionTable,
  MAX_MESSAGE_BYTES,
  noSession,
  type Handler,
  type McpEndpoint,
  type McpEndpointContext,
} from './mcp-endpoint.js';

export function createStreamableEndpoint(ctx: McpEndpointContext): McpEndpoint {
  const sessions = createSessionTable<StreamableHTTPServerTransport>(ctx.maxSessions);
  let streams = 0;

  const newSession = async (): Promise<StreamableHTTPServerTransport> => {
    const { server, detach } = ctx.tools.createServer();
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableJsonResponse: true,
      onsessioninitialized: (sid) => sessions.add(sid, transport),
    });
    transport.onclose = () => {
      if (transport.sessionId !== undefined) sessions.delete(transport.sessionId);
      detach();
    };
    await server.connect(transport);
    return transport;
  };

  const handle: Handler = async (req, res) => {
    let body: unknown;
    if (req.method === 'POST') {
      body = await readJson(req, MAX_MESSAGE_BYTES);
      if (ctx.mode() === 'error') {
        const errors = injectedErrors(ctx.name, body);
        if (errors.length === 0) res.writeHead(202).end();
        else sendJson(res, 200, Array.isArray(body) ? errors : errors[0]);
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
      await existing.handleRequest(req, res, body);
      return;
    }
    if (sid === undefined && req.method === 'POST' && isInitializeRequest(body)) {
      const transport = await newSession();
      await transport.handleRequest(req, res, body);
      return;
    }
    const refusal = noSession(typeof sid === 'string' ? sid : undefined);
    sendJson(res, refusal.status, refusal.body);
  };

  return Object.freeze({
    path: '/mcp',
    handler: (path: string) => (path === '/mcp' ? handle : undefined),
    sessions: () => sessions.size,
    streams: () => streams,
    closeSessions: () => sessions.closeAll(),
  });
}
