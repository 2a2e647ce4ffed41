// A test server of the MCP revision 2026-07-28 over streamable HTTP, stateless as that revision
// is: one POST per JSON-RPC message at `/mcp`, answered with JSON; GET and DELETE are 405, an
// Mcp-Session-Id header is ignored and none is minted (streamable-http.mdx, Backward
// Compatibility). Its tools (and their input schemas) can be replaced at runtime, in process
// (`setTools`) or over `POST /tools` (a JSON array of tools). With `auth`, a request without the
// expected header value is answered with that HTTP status (401 or 403) before any MCP happens.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpBodyError, readJson, sendJson } from './http-util.js';
import { MAX_MESSAGE_BYTES } from './mcp-endpoint.js';
import { modernAnswer, modernTool, type ModernTool } from './modern-core.js';

export interface ModernMcpServerOptions {
  readonly name: string;
  readonly host?: string;
  readonly port?: number;
  /** Default: `echo` and `<name>_lookup`, each taking `text`. */
  readonly tools?: readonly ModernTool[];
  /** Refuse requests whose `header` is not `value` with `status` (default 401). */
  readonly auth?: { readonly header: string; readonly value: string; readonly status?: 401 | 403 };
}

export interface ModernMcpServer {
  readonly name: string;
  /** `http://127.0.0.1:<port>/mcp` */
  readonly url: string;
  readonly port: number;
  setTools(tools: readonly ModernTool[]): void;
  tools(): readonly ModernTool[];
  /** JSON-RPC methods received so far, in order (bounded to the last 1000). */
  methods(): readonly string[];
  /** Requests that carried an Mcp-Session-Id (there should be none from a modern client). */
  sessionHeaders(): number;
  close(): Promise<void>;
}

function isTool(v: unknown): v is ModernTool {
  const t = v as { name?: unknown; inputSchema?: unknown } | null;
  return (
    typeof t === 'object' &&
    t !== null &&
    typeof t.name === 'string' &&
    t.name.length > 0 &&
    t.name.length <= 128 &&
    typeof t.inputSchema === 'object' &&
    t.inputSchema !== null
  );
}

export async function startModernMcpServer(
  options: ModernMcpServerOptions,
): Promise<ModernMcpServer> {
  const name = options.name;
  let tools: readonly ModernTool[] = options.tools ?? [
    modernTool('echo'),
    modernTool(`${name}_lookup`, ['id']),
  ];
  const methods: string[] = [];
  let sessionHeaders = 0;
  const ctx = { name, tools: () => tools };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/tools' && req.method === 'POST') {
      const body = await readJson(req, MAX_MESSAGE_BYTES);
      if (!Array.isArray(body) || !body.every(isTool)) {
        sendJson(res, 400, { error: 'expected an array of {name, inputSchema} tools' });
        return;
      }
      tools = body;
      sendJson(res, 200, { tools: tools.map((t) => t.name) });
      return;
    }
    if (path !== '/mcp') {
      sendJson(res, 404, { error: 'not found' });
      return;
    }
    if (options.auth !== undefined) {
      const got = req.headers[options.auth.header.toLowerCase()];
      if (got !== options.auth.value) {
        const status = options.auth.status ?? 401;
        res.writeHead(status, {
          'content-type': 'application/json',
          ...(status === 401 ? { 'www-authenticate': 'Bearer realm="mcp"' } : {}),
        });
        res.end(JSON.stringify({ error: status === 401 ? 'unauthorized' : 'forbidden' }));
        return;
      }
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    if (req.headers['mcp-session-id'] !== undefined) sessionHeaders++;
    const body = await readJson(req, MAX_MESSAGE_BYTES);
    const method = (body as { method?: unknown } | null)?.method;
    if (typeof method === 'string') {
      methods.push(method.slice(0, 128));
      if (methods.length > 1_000) methods.shift();
    }
    const header = req.headers['mcp-protocol-version'];
    const answer = modernAnswer(body, ctx, typeof header === 'string' ? header : undefined);
    if (answer.body === undefined) res.writeHead(answer.status).end();
    else sendJson(res, answer.status, answer.body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const status = err instanceof HttpBodyError ? err.status : 500;
      sendJson(res, status, { error: err instanceof Error ? err.message : String(err) });
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    name,
    url: `http://${host}:${port}/mcp`,
    port,
    setTools(next) {
      tools = [...next];
    },
    tools: () => tools,
    methods: () => [...methods],
    sessionHeaders: () => sessionHeaders,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
