// Turning one WebSocket frame from the edge into something the client can act on: the text
// `pong`, a validated ServerMessage, or a reason it was dropped. Pure and total: never throws.
import { ServerMessage, TEXT_PONG, describeIssues, issuesOf } from '@beacon/protocol';
import { textOf } from './socket.js';

export type Frame =
  | { readonly kind: 'pong' }
  | { readonly kind: 'message'; readonly message: ServerMessage }
  | { readonly kind: 'invalid'; readonly raw: string; readonly error: string };

/** Longest excerpt of an invalid frame kept for the `invalid` event. */
const EXCERPT = 2_000;

export function parseServerFrame(data: unknown): Frame {
  const raw = textOf(data);
  if (raw === null) return { kind: 'invalid', raw: '', error: 'binary frame' };
  if (raw === TEXT_PONG) return { kind: 'pong' };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (e) {
    return {
      kind: 'invalid',
      raw: raw.slice(0, EXCERPT),
      error: `invalid JSON: ${(e as Error).message}`,
    };
  }
  const result = ServerMessage.safeParse(value);
  if (!result.success) {
    return {
      kind: 'invalid',
      raw: raw.slice(0, EXCERPT),
      error: describeIssues(issuesOf(result.error)),
    };
  }
  return { kind: 'message', message: result.data };
}
