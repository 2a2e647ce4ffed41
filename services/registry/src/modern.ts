// The MCP revision 2026-07-28 ("modern": no initialize, no sessions, no ping; every request
// carries its protocol version, client info and capabilities in `_meta`) as the few wire calls the
// probe needs: `server/discover` and `tools/list`, plus the era decision of the spec's
// backward-compatibility sections (basic/transports/streamable-http.mdx and stdio.mdx, "Backward
// Compatibility"; basic/versioning.mdx): a DiscoverResult or a recognized modern JSON-RPC error
// (-32020 header mismatch, -32021 missing client capability, -32022 unsupported version) means a
// modern server; any other error, an HTTP 4xx without a modern error body, or (stdio) silence means
// a legacy (2025-xx) server, probed with initialize + ping as before.
//
// Why not an SDK: @modelcontextprotocol/client 2.x on the npm registry does speak 2026-07-28 (its
// `versionNegotiation: { mode: 'auto' }`), but it is a second SDK generation beside the 1.x SDK
// the registry's transports, error classes and SSE support are built on; on stdio its era probe
// spawns a sibling process per connect; its HTTP era classifier reads the HTTP error bodies our
// lean transport deliberately never quotes; and it carries a response cache, multi-round-trip
// flows and per-connection state the probe does not need, for every one of hundreds of MCPs. The
// probe needs two requests and one decision, implemented here over the registry's own transports
// (http-transport.ts, the SDK 1.x stdio transport) from the spec text. Pure except `createRpc`.
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, McpError, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

export const MODERN_VERSION = '2026-07-28';
/** Legacy revisions the 1.x SDK's initialize can negotiate (a fallback target). */
const LEGACY_VERSION = /^2024-|^2025-/;

export const HEADER_MISMATCH = -32020;
export const MISSING_CLIENT_CAPABILITY = -32021;
export const UNSUPPORTED_PROTOCOL_VERSION = -32022;
const MODERN_CODES = new Set([
  HEADER_MISMATCH,
  MISSING_CLIENT_CAPABILITY,
  UNSUPPORTED_PROTOCOL_VERSION,
]);

const MAX_VERSIONS = 32;
const MAX_VERSION_LENGTH = 64;

/** Whether a revision string is the modern era (2026-07-28 or later). */
export const isModernVersion = (v: string): boolean => v >= MODERN_VERSION;

/** The server does not speak the modern revision: fall back to initialize (not a failure). */
export class LegacySignal extends Error {
  override readonly name = 'LegacySignal';
  /** A started stdio transport the legacy handshake may go on with (its server answered). */
  reuse?: Transport;
}

/** A JSON-RPC error answer: the SDK's McpError, so probe-errors.ts classifies it as ever. */
export const RpcError = McpError;

/** Our own per-request timeout (not a server's -32001 answer, which is just an error code). */
export class RpcTimeout extends McpError {
  constructor() {
    super(ErrorCode.RequestTimeout, 'Request timed out');
  }
}

/** `_meta` every modern request carries (discover.mdx, "Request"). */
export function modernMeta(clientName: string): Record<string, unknown> {
  return {
    'io.modelcontextprotocol/protocolVersion': MODERN_VERSION,
    'io.modelcontextprotocol/clientInfo': { name: clientName, version: '1.0.0' },
    'io.modelcontextprotocol/clientCapabilities': {},
  };
}

function versionList(raw: unknown): string[] | null {
  if (!Array.isArray(raw)) return null;
  return raw
    .slice(0, MAX_VERSIONS)
    .filter(
      (v): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_VERSION_LENGTH,
    );
}

/**
 * The version to speak with a server that advertised `supported`: ours when listed; a legacy
 * signal when it lists only 2025-era revisions (a dual-era server: initialize negotiates one);
 * an error otherwise (nothing in common).
 */
function choose(supported: readonly string[]): string {
  if (supported.includes(MODERN_VERSION)) return MODERN_VERSION;
  if (supported.some((v) => LEGACY_VERSION.test(v))) {
    throw new LegacySignal('server supports only legacy revisions');
  }
  throw new RpcError(UNSUPPORTED_PROTOCOL_VERSION, 'no protocol version in common');
}

/**
 * The era decision on what `server/discover` got: the version to speak (modern), or throws
 * LegacySignal (fall back) or the error itself (a modern server failing, or an outage).
 */
export function discoverVerdict(outcome: { result: unknown } | { error: unknown }): string {
  if ('result' in outcome) {
    const r = outcome.result as { supportedVersions?: unknown } | null;
    const supported = typeof r === 'object' && r !== null ? versionList(r.supportedVersions) : null;
    // An answer that is not a DiscoverResult came from something that is not a modern server.
    if (supported === null) throw new LegacySignal('not a DiscoverResult');
    return choose(supported);
  }
  const err = outcome.error;
  // Our own timeout: silence means an outage on HTTP, a legacy server on stdio (the caller's call).
  if (err instanceof RpcTimeout) throw err;
  // Credentials refused says nothing of the era, whatever the body: the probe's failure.
  const status = httpStatusOf(err);
  if (status === 401 || status === 403) throw err;
  const code = rpcCodeOf(err);
  if (code === undefined) {
    if (err instanceof LegacySignal) throw err;
    // HTTP 4xx without a modern JSON-RPC body: legacy. Anything else (5xx, network, our
    // deadline) is the probe's failure.
    if (status !== undefined && status >= 400 && status < 500) {
      throw new LegacySignal(`HTTP ${status} without a modern error`);
    }
    throw err;
  }
  if (code === UNSUPPORTED_PROTOCOL_VERSION) {
    const supported = versionList(
      (rpcDataOf(err) as { supported?: unknown } | undefined)?.supported,
    );
    if (supported !== null && supported.length > 0) return choose(supported);
    throw err;
  }
  if (MODERN_CODES.has(code)) throw err;
  // -32601, -32600, -32000 "not initialized", …: a legacy server's answer to an unknown request.
  throw new LegacySignal(`JSON-RPC error ${code} on server/discover`);
}

function rpcCodeOf(err: unknown): number | undefined {
  if (err instanceof McpError) return err.code;
  const code = (err as { rpcCode?: unknown } | null)?.rpcCode;
  return typeof code === 'number' ? code : undefined;
}
function rpcDataOf(err: unknown): unknown {
  if (err instanceof McpError) return err.data;
  return (err as { rpcData?: unknown } | null)?.rpcData;
}
function httpStatusOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return err instanceof Error && !(err instanceof McpError) && typeof code === 'number'
    ? code
    : undefined;
}

/** A tool as the probe keeps it: its name and input schema (output schemas aside). */
export interface ToolShape {
  readonly name: string;
  readonly inputSchema?: unknown;
}

/** Validates a `tools/list` result page (modern answers are not SDK-validated). */
export function toolsPage(raw: unknown): { tools: ToolShape[]; nextCursor: string | undefined } {
  const r = raw as { tools?: unknown; nextCursor?: unknown } | null;
  if (typeof r !== 'object' || r === null || !Array.isArray(r.tools)) {
    throw new SyntaxError('tools/list result without a tools array');
  }
  const tools: ToolShape[] = [];
  for (const t of r.tools as unknown[]) {
    const tool = t as { name?: unknown; inputSchema?: unknown } | null;
    if (typeof tool !== 'object' || tool === null || typeof tool.name !== 'string') {
      throw new SyntaxError('tools/list tool without a name');
    }
    tools.push({ name: tool.name, inputSchema: tool.inputSchema });
  }
  return {
    tools,
    nextCursor: typeof r.nextCursor === 'string' && r.nextCursor !== '' ? r.nextCursor : undefined,
  };
}

export interface Rpc {
  request(
    method: string,
    params: Record<string, unknown>,
    options: { readonly signal: AbortSignal; readonly timeout: number },
  ): Promise<unknown>;
  /** Fails every pending request (the transport closed). */
  fail(err: Error): void;
}

/**
 * Minimal JSON-RPC requests over an SDK-shaped transport (started by the caller): ids, pending
 * answers, per-request timeout and abort. Server requests and notifications are ignored: a
 * modern server sends none outside a `subscriptions/listen` stream, which the probe never opens.
 */
export function createRpc(transport: Transport): Rpc {
  let nextId = 1;
  // String ids ("beacon-1"): never one the SDK Client uses (numbers), so a stdio process that
  // answers server/discover late, after the Client took it over, cannot answer a Client request.
  const pending = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  transport.onmessage = (message: JSONRPCMessage) => {
    const m = message as {
      id?: unknown;
      result?: unknown;
      error?: { code?: unknown; message?: unknown; data?: unknown } | null;
      method?: unknown;
    };
    if (typeof m.id !== 'string' || m.method !== undefined) return;
    const p = pending.get(m.id);
    if (p === undefined) return;
    pending.delete(m.id);
    if (m.error !== undefined) {
      const e = m.error;
      p.reject(
        new McpError(
          typeof e?.code === 'number' ? e.code : ErrorCode.InternalError,
          typeof e?.message === 'string' ? e.message : 'error',
          e?.data,
        ),
      );
    } else p.resolve(m.result);
  };
  const fail = (err: Error): void => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  const asError = (e: unknown, fallback: string): Error =>
    e instanceof Error ? e : new Error(fallback);
  return {
    fail,
    request(method, params, { signal, timeout }) {
      const id = `beacon-${nextId++}`;
      return new Promise((resolve, reject) => {
        if (signal.aborted) {
          reject(asError(signal.reason, 'aborted'));
          return;
        }
        const timer = setTimeout(() => {
          done();
          reject(new RpcTimeout());
        }, timeout);
        const onAbort = (): void => {
          done();
          reject(asError(signal.reason, 'aborted'));
        };
        const done = (): void => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          pending.delete(id);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        pending.set(id, {
          resolve: (v) => {
            done();
            resolve(v);
          },
          reject: (e) => {
            done();
            reject(e);
          },
        });
        const request: JSONRPCMessage = { jsonrpc: '2.0', id, method, params };
        transport.send(request).catch((err: unknown) => {
          if (!pending.has(id)) return;
          done();
          reject(asError(err, 'send failed'));
        });
      });
    },
  };
}
