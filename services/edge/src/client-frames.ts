// Parsing what a client sends on /ws/mcp-status. Pure and total: every frame becomes either an
// action or an error code for the client; nothing here can throw into uWS.
import {
  ClientMessage,
  TEXT_PING,
  describeIssues,
  issuesOf,
  type ErrorCode,
} from '@beacon/protocol';

export type Frame =
  | { readonly kind: 'pong' }
  | { readonly kind: 'message'; readonly message: ClientMessage }
  | { readonly kind: 'error'; readonly code: ErrorCode; readonly message: string };

const KNOWN_TYPES = new Set(['subscribe', 'unsubscribe', 'auth', 'ping']);
const decoder = new TextDecoder('utf-8', { fatal: true });

export function errorJson(code: ErrorCode, message: string): string {
  return JSON.stringify({ type: 'error', code, message });
}

export function parseFrame(data: ArrayBuffer, isBinary: boolean, maxBytes: number): Frame {
  if (data.byteLength > maxBytes) {
    return {
      kind: 'error',
      code: 'frame_too_large',
      message: `frame of ${data.byteLength} bytes exceeds the limit of ${maxBytes}`,
    };
  }
  if (isBinary) {
    return { kind: 'error', code: 'binary_not_supported', message: 'send text frames (JSON)' };
  }
  let text: string;
  try {
    text = decoder.decode(data);
  } catch {
    return { kind: 'error', code: 'invalid_json', message: 'frame is not valid UTF-8' };
  }
  if (text === TEXT_PING) return { kind: 'pong' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return {
      kind: 'error',
      code: 'invalid_json',
      message: `invalid JSON: ${err instanceof Error ? err.message : 'parse error'}`,
    };
  }
  const type =
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as { type?: unknown }).type
      : undefined;
  if (typeof type !== 'string' || !KNOWN_TYPES.has(type)) {
    const shown = typeof type === 'string' ? JSON.stringify(type.slice(0, 64)) : 'missing';
    return {
      kind: 'error',
      code: 'unknown_type',
      message: `unknown message type ${shown}; expected subscribe, unsubscribe, auth or ping`,
    };
  }
  const parsed = ClientMessage.safeParse(value);
  if (!parsed.success) {
    return {
      kind: 'error',
      code: 'invalid_message',
      message: `invalid ${type} message: ${describeIssues(issuesOf(parsed.error))}`,
    };
  }
  if (parsed.data.type === 'ping') return { kind: 'pong' };
  return { kind: 'message', message: parsed.data };
}
