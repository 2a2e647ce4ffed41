// The fault switch of an MCP test server: which failure it simulates, validated from HTTP bodies,
// and what the switch means at a given instant (`flap` alternates between working and erroring).
import { z } from 'zod';

// `http_error` (HTTP servers only): every MCP POST is answered with `http_status` and the body
// `http_body` instead of JSON-RPC — what a non-MCP URL or a failing gateway answers.
export const FaultMode = z.enum(['ok', 'down', 'slow', 'error', 'flap', 'http_error']);
export type FaultMode = z.infer<typeof FaultMode>;

/** Body of `POST /fault`; unknown fields are refused so typos do not pass silently. */
export const FaultRequest = z.strictObject({
  mode: FaultMode,
  /** Delay added to every response in `slow` mode. */
  slow_ms: z.number().int().min(0).max(600_000).optional(),
  /** Length of each half-period in `flap` mode. */
  flap_ms: z.number().int().min(10).max(3_600_000).optional(),
  /** Status of every MCP POST answer in `http_error` mode. */
  http_status: z.number().int().min(300).max(599).optional(),
  /** Body of those answers (text/plain). */
  http_body: z.string().max(65_536).optional(),
});
export type FaultRequest = z.infer<typeof FaultRequest>;

export interface FaultState {
  readonly mode: FaultMode;
  readonly slow_ms: number;
  readonly flap_ms: number;
  readonly http_status: number;
  readonly http_body: string;
  /** Epoch ms when the current mode was set (flap phases count from it). */
  readonly since: number;
}

export const DEFAULT_SLOW_MS = 2_000;
export const DEFAULT_FLAP_MS = 2_000;
export const DEFAULT_HTTP_ERROR = { status: 500, body: 'injected HTTP error' } as const;

export function initialFault(now: number, mode: FaultMode = 'ok'): FaultState {
  return {
    mode,
    slow_ms: DEFAULT_SLOW_MS,
    flap_ms: DEFAULT_FLAP_MS,
    http_status: DEFAULT_HTTP_ERROR.status,
    http_body: DEFAULT_HTTP_ERROR.body,
    since: now,
  };
}

export function applyFault(state: FaultState, request: FaultRequest, now: number): FaultState {
  return {
    mode: request.mode,
    slow_ms: request.slow_ms ?? state.slow_ms,
    flap_ms: request.flap_ms ?? state.flap_ms,
    http_status: request.http_status ?? state.http_status,
    http_body: request.http_body ?? state.http_body,
    since: now,
  };
}

/** What a request arriving at `now` experiences: `flap` resolves to `ok` or `error`. */
export function effectiveMode(state: FaultState, now: number): Exclude<FaultMode, 'flap'> {
  if (state.mode !== 'flap') return state.mode;
  const phase = Math.floor(Math.max(0, now - state.since) / state.flap_ms);
  // Start with the failing half so a switch to `flap` is visible at once.
  return phase % 2 === 0 ? 'error' : 'ok';
}

/**
 * The JSON-RPC answers an MCP server in `error` mode gives to a message (or batch): one error per
 * request (anything with an `id`); notifications and responses get none. Each transport delivers
 * them its own way (streamable HTTP in the POST response, SSE on the event stream).
 */
export function injectedErrors(
  serverName: string,
  body: unknown,
): { jsonrpc: '2.0'; id: string | number; error: { code: number; message: string } }[] {
  const messages: unknown[] = Array.isArray(body) ? body : [body];
  return messages
    .map((m) => (m !== null && typeof m === 'object' ? (m as { id?: unknown }).id : undefined))
    .filter((id): id is string | number => typeof id === 'string' || typeof id === 'number')
    .map((id) => ({
      jsonrpc: '2.0' as const,
      id,
      error: { code: -32603, message: `injected fault: ${serverName} is in error mode` },
    }));
}
