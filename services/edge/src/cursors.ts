// Opaque paging cursors for scoped tokens. A filtered `/api/events` page must hand back a cursor
// that moves past entries the token cannot see (else the next page rescans them forever), but a
// raw offset there tells a `billing_*` viewer when some other MCP last had an event. So a scoped
// token gets the offset sealed (AES-256-GCM, bound to the log's epoch) under a key every edge
// shares through Redis (SET NX: the first edge picks it), and may page with it on any edge.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { RedisClient } from '@beacon/event-log';
import { BeaconError, isOffset, MAX_CURSOR_LENGTH } from '@beacon/protocol';

const PREFIX = 'c1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface CursorCodec {
  seal(epoch: string, offset: string): Promise<string>;
  /** The offset in a sealed cursor; `BeaconError` invalid/conflict when it is not one of ours. */
  open(epoch: string, cursor: string): Promise<string>;
}

export const isSealedCursor = (value: string): boolean =>
  value.startsWith(PREFIX) && value.length <= MAX_CURSOR_LENGTH;

export function createCursorCodec(redis: RedisClient, keyName: string): CursorCodec {
  let key: Promise<Buffer> | null = null;
  const loadKey = (): Promise<Buffer> => {
    key ??= (async () => {
      await redis.set(keyName, randomBytes(32).toString('base64'), 'NX');
      const stored = await redis.get(keyName);
      const k = stored === null ? null : Buffer.from(stored, 'base64');
      if (k === null || k.length !== 32) throw new BeaconError('internal', 'cursor key unusable');
      return k;
    })().catch((err: unknown) => {
      key = null; // retried on the next request (e.g. Redis was down)
      throw err;
    });
    return key;
  };

  return {
    async seal(epoch, offset) {
      const k = await loadKey();
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', k, iv);
      const body = Buffer.concat([cipher.update(`${epoch}\n${offset}`, 'utf8'), cipher.final()]);
      return PREFIX + Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
    },

    async open(epoch, cursor) {
      const bad = new BeaconError('invalid', 'cursor is not one this log handed out');
      if (!isSealedCursor(cursor)) throw bad;
      const raw = Buffer.from(cursor.slice(PREFIX.length), 'base64url');
      if (raw.length <= IV_BYTES + TAG_BYTES) throw bad;
      const k = await loadKey();
      let text: string;
      try {
        const decipher = createDecipheriv('aes-256-gcm', k, raw.subarray(0, IV_BYTES));
        decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
        text = Buffer.concat([
          decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)),
          decipher.final(),
        ]).toString('utf8');
      } catch {
        throw bad;
      }
      const nl = text.indexOf('\n');
      const offset = text.slice(nl + 1);
      if (nl < 0 || !isOffset(offset)) throw bad;
      if (text.slice(0, nl) !== epoch) {
        throw new BeaconError('conflict', 'cursor is from another epoch of the log; start over');
      }
      return offset;
    },
  };
}
