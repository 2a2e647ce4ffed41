// The MCP revision 2026-07-28 as a test server answers it (stateless: no initialize, no sessions,
// no ping; every request names its protocol version in `_meta`): `server/discover`, `tools/list`
// (tools and their input schemas can change at runtime) and `tools/call` of a plain echo. A
// request for another revision, or a 2025 client's `initialize`, gets UnsupportedProtocolVersion
// (-32022, with the supported list), as a server of only this revision must answer. Written from
// the spec text (server/discover.mdx, basic/versioning.mdx, basic/transports/*.mdx); shared by
// the streamable-HTTP server (modern-server.ts) and the stdio one (modern-stdio-server.ts).

export const MODERN_REVISION = '2026-07-28';
export const UNSUPPORTED_PROTOCOL_VERSION = -32022;
export const HEADER_MISMATCH = -32020;
const META_VERSION = 'io.modelcontextprotocol/protocolVersion';

export interface ModernTool {
  readonly name: string;
  readonly description?: string;
  /** A JSON Schema object. */
  readonly inputSchema: Readonly<Record<string, unknown>>;
}

/** A tool taking optional string parameters named `params` (default: `text`). */
export function modernTool(name: string, params: readonly string[] = ['text']): ModernTool {
  return {
    name,
    description: `Tool ${name}.`,
    inputSchema: {
      type: 'object',
      properties: Object.fromEntries(params.map((p) => [p, { type: 'string' }])),
    },
  };
}

export interface ModernContext {
  readonly name: string;
  tools(): readonly ModernTool[];
}

export interface ModernAnswer {
  /** HTTP status for the streamable-HTTP binding. */
  readonly status: number;
  /** JSON-RPC response; undefined for a notification (202, nothing on stdio). */
  readonly body?: unknown;
}

const error = (
  status: number,
  id: unknown,
  code: number,
  message: string,
  data?: unknown,
): ModernAnswer => ({
  status,
  body: {
    jsonrpc: '2.0',
    id: id ?? null,
    error: { code, message, ...(data === undefined ? {} : { data }) },
  },
});

const unsupported = (id: unknown, requested: unknown): ModernAnswer =>
  error(400, id, UNSUPPORTED_PROTOCOL_VERSION, 'Unsupported protocol version', {
    supported: [MODERN_REVISION],
    requested: typeof requested === 'string' ? requested : null,
  });

/** One JSON-RPC message in, its answer out. `headerVersion`: the MCP-Protocol-Version header. */
export function modernAnswer(
  message: unknown,
  ctx: ModernContext,
  headerVersion?: string,
): ModernAnswer {
  const m = message as { id?: unknown; method?: unknown; params?: unknown } | null;
  if (typeof m !== 'object' || m === null || Array.isArray(m) || typeof m.method !== 'string') {
    return error(400, null, -32600, 'Invalid Request');
  }
  const isRequest = m.id !== undefined && m.id !== null;
  if (!isRequest) return { status: 202 };
  const params = (typeof m.params === 'object' && m.params !== null ? m.params : {}) as {
    _meta?: Record<string, unknown>;
    name?: unknown;
    cursor?: unknown;
    arguments?: unknown;
  };
  if (m.method === 'initialize')
    return unsupported(m.id, (params as { protocolVersion?: unknown }).protocolVersion);
  const version = params._meta?.[META_VERSION];
  if (version !== MODERN_REVISION) return unsupported(m.id, version);
  if (headerVersion !== undefined && headerVersion !== version) {
    return error(400, m.id, HEADER_MISMATCH, 'Header mismatch: MCP-Protocol-Version');
  }
  const ok = (result: unknown): ModernAnswer => ({
    status: 200,
    body: { jsonrpc: '2.0', id: m.id, result },
  });
  switch (m.method) {
    case 'server/discover':
      return ok({
        resultType: 'complete',
        supportedVersions: [MODERN_REVISION],
        capabilities: { tools: {} },
        _meta: { 'io.modelcontextprotocol/serverInfo': { name: ctx.name, version: '1.0.0' } },
        ttlMs: 60_000,
        cacheScope: 'public',
      });
    case 'tools/list':
      return ok({ resultType: 'complete', tools: ctx.tools() });
    case 'tools/call': {
      const tool = ctx.tools().find((t) => t.name === params.name);
      if (tool === undefined)
        return error(200, m.id, -32602, `Unknown tool: ${String(params.name)}`);
      return ok({
        resultType: 'complete',
        content: [
          {
            type: 'text',
            text: `${ctx.name}/${tool.name}: ${JSON.stringify(params.arguments ?? {})}`,
          },
        ],
      });
    }
    default:
      return error(404, m.id, -32601, `Method not found: ${m.method}`);
  }
}
