// The older HTTP+SSE MCP transport (protocol 2024-11-05) on an MCP test server, with the SDK's
// SSEServerTransport: `GET /sse` opens one session's event stream, whose first event names the
// endpoint for the client's messages (`POST /messages?sessionId=…`, answered 202); every answer
// travels on the stream. In `error` mode requests are answered with JSON-RPC errors on that
// stream. A session lives as long as its stream: when the stream closes, the session is gone.
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
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

const STREAM_PATH = '/sse';
const MESSAGES_PATH = '/messages';

export function createSseEndpoint(ctx: McpEndpointContext): McpEndpoint {
  const sessions = createSessionTable<SSEServerTransport>(ctx.maxSessions);

  const openStream: Handler = async (req, res) => {
    if (req.method !== 'GET') {
      sendJson(res, 405, { error: `use GET ${STREAM_PATH} to open a session` }, { allow: 'GET' });
      return;
    }
    const { server, detach } = ctx.tools.createServer();
    const transport = new SSEServerTransport(MESSAGES_PATH, res);
    transport.onclose = () => {
      sessions.delete(transport.sessionId);
      detach();
    };
    // connect() starts the transport: headers and the `endpoint` event go out now.
    await server.connect(transport);
    if (res.destroyed) {
      // The client left before the stream was set up: nobody will ever close this session.
      await server.close();
      return;
    }
    sessions.add(transport.sessionId, transport);
  };

  const postMessage: Handler = async (req, res) => {
    if (req.method !== 'POST') {
      sendJson(res, 405, { error: `use POST ${MESSAGES_PATH}?sessionId=…` }, { allow: 'POST' });
      return;
    }
    const sid = new URL(req.url ?? '/', 'http://test').searchParams.get('sessionId') ?? undefined;
    const session = sid === undefined ? undefined : sessions.get(sid);
    if (session === undefined) {
      const refusal = noSession(sid);
      sendJson(res, refusal.status, refusal.body);
      return;
    }
    const body = await readJson(req, MAX_MESSAGE_BYTES);
    if (ctx.mode() === 'error') {
      // Accepted like any message; the errors arrive where answers always do, on the stream.
      res.writeHead(202).end('Accepted');
      for (const error of injectedErrors(ctx.name, body)) {
        await session.send(error as JSONRPCMessage).catch(() => undefined);
      }
      return;
    }
    await session.handlePostMessage(req, res, body);
  };

  return Object.freeze({
    path: STREAM_PATH,
    handler: (path: string) =>
      path === STREAM_PATH ? openStream : path === MESSAGES_PATH ? postMessage : undefined,
    sessions: () => sessions.size,
    // Every SSE session is its stream.
    streams: () => sessions.size,
    closeSessions: () => sessions.closeAll(),
  });
}
