// Offsets are Redis stream entry ids ("<ms>-<seq>"); clients treat them as opaque strings and
// order them only through these helpers.
import { z } from 'zod';

export const Offset = z
  .string()
  .regex(/^\d{1,20}-\d{1,20}$/, 'must be a stream offset "<ms>-<seq>"');
export type Offset = z.infer<typeof Offset>;

/** The offset before any event: replay "after ZERO_OFFSET" is the whole retained log. */
export const ZERO_OFFSET = '0-0';

export function isOffset(value: unknown): value is Offset {
  return typeof value === 'string' && /^\d{1,20}-\d{1,20}$/.test(value);
}

function parts(offset: string): [bigint, bigint] {
  const dash = offset.indexOf('-');
  if (dash < 1) throw new TypeError(`not an offset: ${JSON.stringify(offset)}`);
  return [BigInt(offset.slice(0, dash)), BigInt(offset.slice(dash + 1))];
}

/** Negative when a < b, 0 when equal, positive when a > b. */
export function compareOffsets(a: string, b: string): number {
  if (a === b) return 0;
  // Fast path: same length ms part compares lexicographically; fall back to bigint otherwise.
  const [am, as] = parts(a);
  const [bm, bs] = parts(b);
  if (am !== bm) return am < bm ? -1 : 1;
  if (as !== bs) return as < bs ? -1 : 1;
  return 0;
}

/** When Redis appended the entry: the ms part of a stream id ("<ms>-<seq>", or just "<ms>"). */
export function offsetTime(offset: string): number {
  const dash = offset.indexOf('-');
  return Number(dash < 0 ? offset : offset.slice(0, dash));
}

export function maxOffset(a: string, b: string): string {
  return compareOffsets(a, b) >= 0 ? a : b;
}
