// A deliberately small WebSocket client for the load generator: raw TCP, a hand-written HTTP
// upgrade and frame parser, no per-message JSON parsing. Counts event frames, samples latency
// from `metadata.emitted_at`, remembers the last offset (for resume), answers protocol pings.
import { connect, type Socket } from 'node:net';

export interface RawClientStats {
  events: number;
  other: number;
  /** initial_status messages received (1 unless a resume failed). */
  initials: number;
  /** Offset of the newest event seen (parsed lazily from a copy of its tail). */
  readonly lastOffset: string | null;
  epoch: string | null;
  initialOffset: string | null;
}

export interface RawClientOptions {
  /** Shared read buffer (one per thread): reads are handled synchronously, then reused. */
  readonly readBuffer: Buffer;
  readonly port: number;
  readonly path: string;
  readonly token: string;
  /** Called for every latency sample (ms) when sampling is on. */
  readonly sample: (ms: number) => void;
  /** Take one latency sample every N event frames (0 = never). */
  readonly sampleEvery: number;
}

export interface RawClient {
  readonly stats: RawClientStats;
  readonly open: boolean;
  /** Resolves on the 101 (true) or a refusal / error (false). */
  connect(query: string): Promise<boolean>;
  /** Resolves once the first message (initial_status) arrived. */
  firstMessage(): Promise<void>;
  destroy(): void;
}

const OFFSET_NEEDLE = Buffer.from('"offset":"');
const EPOCH_NEEDLE = Buffer.from('"epoch":"');
const EMITTED_NEEDLE = Buffer.from('"emitted_at":');
const QUOTE = 0x22;
const TAIL = 160;
const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const EMPTY = Buffer.alloc(0);

function readString(buf: Buffer, from: number, end: number, needle: Buffer): string | null {
  const at = buf.indexOf(needle, from);
  if (at < 0 || at >= end) return null;
  const start = at + needle.length;
  const stop = buf.indexOf(QUOTE, start);
  return stop < 0 || stop > end ? null : buf.toString('latin1', start, stop);
}

export function createRawClient(o: RawClientOptions): RawClient {
  // The tail of the newest event frame, copied (reads share one buffer); parsed on demand.
  const tail = Buffer.alloc(TAIL);
  let tailLength = 0;
  let lastOffset: string | null = null;
  const stats: RawClientStats = {
    events: 0,
    other: 0,
    initials: 0,
    get lastOffset() {
      if (tailLength > 0) {
        lastOffset = readString(tail, 0, tailLength, OFFSET_NEEDLE) ?? lastOffset;
        tailLength = 0;
      }
      return lastOffset;
    },
    epoch: null,
    initialOffset: null,
  };
  let socket: Socket | null = null;
  let open = false;
  let pending: Buffer | null = null;
  let upgraded = false;
  let onFirst: (() => void) | null = null;
  let gotFirst = false;

  function pong(payload: Buffer): void {
    // Client frames must be masked; a zero mask keeps the payload as is.
    const head = Buffer.from([0x8a, 0x80 | payload.length, 0, 0, 0, 0]);
    socket?.write(Buffer.concat([head, payload]));
  }

  function frame(buf: Buffer, start: number, end: number, opcode: number): void {
    if (opcode === 0x1) {
      // `{"type":"m…` = mcp_status_change: the only events the bench emits.
      if (buf[start + 9] === 0x6d) {
        stats.events++;
        if (o.sampleEvery > 0 && stats.events % o.sampleEvery === 0) {
          const at = buf.indexOf(EMITTED_NEEDLE, start);
          if (at >= 0 && at < end) {
            const v = Number.parseFloat(
              buf.toString('latin1', at + EMITTED_NEEDLE.length, at + EMITTED_NEEDLE.length + 24),
            );
            if (Number.isFinite(v)) o.sample(performance.timeOrigin + performance.now() - v);
          }
        }
      } else {
        stats.other++;
        if (buf[start + 9] === 0x69) {
          // initial_status: remember where this connection's history starts.
          stats.initials++;
          const tailFrom = Math.max(start, end - 200);
          stats.initialOffset = readString(buf, tailFrom, end, OFFSET_NEEDLE);
          stats.epoch = readString(buf, tailFrom, end, EPOCH_NEEDLE);
          lastOffset = stats.initialOffset;
          tailLength = 0;
        }
      }
      if (!gotFirst) {
        gotFirst = true;
        onFirst?.();
      }
    } else if (opcode === 0x9) pong(buf.subarray(start, end));
    else if (opcode === 0x8) socket?.destroy();
  }

  function onData(chunk: Buffer): void {
    let buf = pending === null ? chunk : Buffer.concat([pending, chunk]);
    pending = null;
    let pos = 0;
    let lastEvent = -1;
    let lastEventEnd = -1;
    if (!upgraded) {
      const headEnd = buf.indexOf('\r\n\r\n');
      if (headEnd < 0) {
        pending = Buffer.from(buf);
        return;
      }
      upgraded = true;
      pos = headEnd + 4;
    }
    while (buf.length - pos >= 2) {
      const b0 = buf[pos] as number;
      let len = (buf[pos + 1] as number) & 0x7f;
      let hdr = 2;
      if (len === 126) {
        if (buf.length - pos < 4) break;
        len = buf.readUInt16BE(pos + 2);
        hdr = 4;
      } else if (len === 127) {
        if (buf.length - pos < 10) break;
        len = Number(buf.readBigUInt64BE(pos + 2));
        hdr = 10;
      }
      if (buf.length - pos < hdr + len) break;
      const start = pos + hdr;
      frame(buf, start, start + len, b0 & 0x0f);
      if ((b0 & 0x0f) === 0x1 && buf[start + 9] === 0x6d) {
        lastEvent = start;
        lastEventEnd = start + len;
      }
      pos = start + len;
    }
    // The last event of each read carries the offset to resume from.
    if (lastEvent >= 0) {
      const from = Math.max(lastEvent, lastEventEnd - TAIL);
      tailLength = buf.copy(tail, 0, from, lastEventEnd);
    }
    // `buf` may be the shared read buffer: keep a copy of an incomplete frame.
    if (pos < buf.length) pending = Buffer.from(buf.subarray(pos));
    buf = EMPTY;
  }

  return {
    stats,
    get open() {
      return open;
    },
    connect(query) {
      pending = null;
      upgraded = false;
      gotFirst = false;
      return new Promise((resolve) => {
        const s = connect({
          host: '127.0.0.1',
          port: o.port,
          noDelay: true,
          onread: {
            buffer: o.readBuffer,
            callback: (n: number, buf: Uint8Array): boolean => {
              const chunk = (buf as Buffer).subarray(0, n);
              if (!settled) {
                const ok = chunk.toString('latin1', 0, Math.min(n, 16)).startsWith('HTTP/1.1 101');
                settle(ok);
                if (!ok) {
                  s.destroy();
                  return false;
                }
              }
              onData(chunk);
              return true;
            },
          },
        });
        socket = s;
        let settled = false;
        const settle = (ok: boolean): void => {
          if (settled) return;
          settled = true;
          open = ok;
          resolve(ok);
        };
        s.on('connect', () => {
          s.write(
            `GET ${o.path}${query === '' ? '' : `?${query}`} HTTP/1.1\r\nHost: 127.0.0.1:${o.port}\r\n` +
              `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\n` +
              `Sec-WebSocket-Version: 13\r\nAuthorization: Bearer ${o.token}\r\n\r\n`,
          );
        });
        s.on('error', () => settle(false));
        s.on('close', () => {
          open = false;
          settle(false);
        });
      });
    },
    firstMessage() {
      if (gotFirst) return Promise.resolve();
      return new Promise((resolve) => {
        onFirst = resolve;
      });
    },
    destroy() {
      socket?.destroy();
      open = false;
    },
  };
}
