// Small test helpers shared by every integration test: free ports, condition waits with a
// deadline (never sleeps as synchronisation), and per-test Redis key prefixes.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Ports other processes on this machine rely on; never hand them out. */
const RESERVED = new Set([6379, 16379]);

function tryListen(port: number, host: string): Promise<number | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(null));
    server.listen({ port, host, exclusive: true }, () => {
      const address = server.address();
      const got = typeof address === 'object' && address !== null ? address.port : null;
      server.close(() => resolve(got));
    });
  });
}

/** A TCP port that was free on 127.0.0.1 a moment ago (the OS picks it). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await tryListen(0, host);
    if (port !== null && !RESERVED.has(port)) return port;
  }
  throw new Error('freePort: could not find a free port');
}

/** First port of the OS's ephemeral range (outgoing connections take their local ports there). */
function ephemeralStart(): number {
  try {
    const first = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0],
    );
    return Number.isInteger(first) && first > 11_000 ? first : 32_768;
  } catch {
    return 32_768;
  }
}

/**
 * The first of `count` consecutive free ports, for services that take a base port and count up
 * (the demo fleet). Chosen below the ephemeral range, so no client socket of this machine can
 * take one of them between this check and the service's listen().
 */
export async function freePortRange(count: number, host = '127.0.0.1'): Promise<number> {
  const top = ephemeralStart() - count;
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 10_000 + Math.floor(Math.random() * (top - 10_000));
    let free = true;
    for (let p = base; p < base + count && free; p++) {
      free = !RESERVED.has(p) && (await tryListen(p, host)) !== null;
    }
    if (free) return base;
  }
  throw new Error(`freePortRange: no ${count} consecutive free ports found`);
}

/**
 * A port `p` such that both `p` and `p + offset` are free; Redis Cluster needs its bus port at
 * `port + 10000`, which an OS-chosen ephemeral port often cannot satisfy (> 65535).
 */
export async function freePortPair(offset = 10000, host = '127.0.0.1'): Promise<number> {
  // Both ports below the ephemeral range, where no client socket can take them meanwhile.
  const top = ephemeralStart() - offset;
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 10_000 + Math.floor(Math.random() * (top - 10_000));
    if (RESERVED.has(port) || RESERVED.has(port + offset)) continue;
    if ((await tryListen(port, host)) === null) continue;
    if ((await tryListen(port + offset, host)) === null) continue;
    return port;
  }
  throw new Error(`freePortPair: no free port pair (p, p+${offset}) found`);
}

/** Throw this from a waitFor condition to stop waiting at once (e.g. the process died). */
export class WaitForAbort extends Error {
  override readonly name = 'WaitForAbort';
}

export interface WaitForOptions {
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
  /** Included in the error thrown at the deadline; say what was expected. */
  readonly message?: string;
}

/**
 * Poll `cond` until it returns a truthy value (which is returned) or the deadline passes.
 * Exceptions thrown by `cond` count as "not yet" (the last one becomes the cause), except
 * `WaitForAbort`, which is rethrown immediately.
 */
export async function waitFor<T>(
  cond: () => T | Promise<T>,
  options: WaitForOptions = {},
): Promise<NonNullable<T>> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 25;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await cond();
      if (value !== undefined && value !== null && value !== false && value !== 0 && value !== '') {
        return value;
      }
    } catch (err) {
      if (err instanceof WaitForAbort) throw err;
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const what = options.message ?? 'condition';
      const tail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`waitFor: timed out after ${timeoutMs} ms waiting for ${what}${tail}`, {
        cause: lastError,
      });
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * A unique key prefix for one test, valid for `keyspace()` ([A-Za-z0-9_.:-], at most 64 chars):
 * the sanitised name, truncated, plus a random suffix so parallel runs never collide.
 */
export function uniquePrefix(name = 'test'): string {
  const suffix = `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  const clean = name.replace(/[^A-Za-z0-9_.:-]+/g, '-').replace(/^-+|-+$/g, '') || 'test';
  const room = 64 - suffix.length - 1;
  return `${clean.slice(0, room)}-${suffix}`;
}
