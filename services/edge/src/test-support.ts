// Shared pieces of the edge integration tests: tokens, a test bed (private Redis, seeded log,
// in-process edges, cleanup), in-process and child-process edges, and recording WebSocket clients (plain, and one that resumes on another edge
// after every close, like @beacon/client does). Test-only.
import { createEventLog, type EventLog } from '@beacon/event-log';
import {
  ChannelsResponse,
  HistoryResponse,
  RulesResponse,
  SilencesResponse,
  EventsBackwardResponse,
  EventsForwardResponse,
  FleetUptimeResponse,
  IncidentsResponse,
  McpListResponse,
  UptimeResponse,
  SessionResponse,
  type McpStatus,
} from '@beacon/protocol';
import { createMetrics } from '@beacon/runtime';
import {
  freePort,
  mintToken as mintTestToken,
  startRedis,
  startService,
  uniquePrefix,
  waitFor,
  type ProcessHandle,
  type RedisHandle,
  type TestTokenClaims,
} from '@beacon/testing';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import WebSocket from 'ws';
import { mcpName, registration } from './bench/seed.js';
import type { EdgeSettings } from './config.js';
import { createEdge, type Edge } from './edge.js';
import { defaultAllowedHosts } from './hosts.js';

export const SECRET = 'integration-test-secret-0123456789';

/**
 * The @beacon/protocol schema a successful GET of `path` (query included) must meet: the REST
 * contracts the dashboard relies on. Null for other requests.
 */
export function restContract(
  method: string,
  path: string,
): { parse(value: unknown): unknown } | null {
  if (method.toUpperCase() !== 'GET') return null;
  const url = new URL(path, 'http://edge.invalid');
  switch (url.pathname) {
    case '/api/session':
      return SessionResponse;
    case '/api/mcps':
      return McpListResponse;
    case '/api/events':
      return url.searchParams.has('before') ? EventsBackwardResponse : EventsForwardResponse;
    case '/api/alerts/channels':
      return ChannelsResponse;
    case '/api/alerts/rules':
      return RulesResponse;
    case '/api/alerts/silences':
      return SilencesResponse;
    case '/api/alerts/history':
      return HistoryResponse;
    case '/api/uptime':
      return FleetUptimeResponse;
    case '/api/incidents':
      return IncidentsResponse;
    default: {
      const parts = url.pathname.split('/');
      if (parts.length === 5 && parts[1] === 'api' && parts[2] === 'mcps') {
        if (parts[4] === 'uptime') return UptimeResponse;
        if (parts[4] === 'incidents') return IncidentsResponse;
      }
      return null;
    }
  }
}

/**
 * Parse a REST answer with its contract (see restContract) when it is a 200; throws, failing the
 * test, when the edge sent something the schema does not accept. Returns the JSON unchanged.
 */
export function checkRestAnswer<T>(method: string, path: string, status: number, json: T): T {
  if (status === 200) restContract(method, path)?.parse(json);
  return json;
}

/** @beacon/testing's mintToken, signed with the edge tests' SECRET unless told otherwise. */
export const mintToken = (claims: TestTokenClaims, secret = SECRET): Promise<string> =>
  mintTestToken(claims, secret);

export function testSettings(overrides: Partial<EdgeSettings> = {}): EdgeSettings {
  return {
    port: 0,
    host: '127.0.0.1',
    edgeId: `test-${Math.random().toString(36).slice(2, 8)}`,
    auth: {
      enabled: true,
      secret: SECRET,
      publicKeyFile: undefined,
      jwksFile: undefined,
      issuer: undefined,
      audience: undefined,
    },
    allowedOrigins: [],
    allowedHosts: defaultAllowedHosts([]),
    cspConnectSrc: [],
    allowUwsFallback: false,
    maxFrameBytes: 64 * 1024,
    maxBufferBytes: 1024 * 1024,
    idleTimeoutS: 60,
    pingIntervalMs: 25_000,
    rateLimit: 50,
    maxBadFrames: 10,
    maxFramePatterns: 256,
    maxPatterns: 256,
    maxPatternLength: 256,
    ringSize: 20_000,
    resumeMaxEvents: 20_000,
    commandTimeoutMs: 10_000,
    heartbeatMs: 5_000,
    maxBodyBytes: 1024 * 1024,
    drainTimeoutMs: 10_000,
    uptimeCacheMs: 5_000,
    dashboardDir: null,
    ...overrides,
  };
}

export interface InProcessEdge {
  readonly edge: Edge;
  readonly port: number;
  readonly ws: string;
  readonly http: string;
  readonly redis: Redis;
  readonly eventLog: EventLog;
  metricsText(): string;
  stop(): Promise<void>;
}

export const quietLogger = () => pino({ level: process.env.EDGE_TEST_LOG ?? 'error' });

export async function startEdge(
  redisUrl: string,
  prefix: string,
  overrides: Partial<EdgeSettings> = {},
  options: { subscriber?: Redis } = {},
): Promise<InProcessEdge> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  redis.on('error', () => undefined);
  const eventLog = createEventLog(redis, { prefix });
  const registry = createMetrics();
  const edge = createEdge({
    settings: testSettings(overrides),
    eventLog,
    logger: quietLogger(),
    metrics: registry,
    ...(options.subscriber === undefined ? {} : { subscriber: options.subscriber }),
  });
  await edge.start();
  const port = edge.port;
  return {
    edge,
    port,
    ws: `ws://127.0.0.1:${port}/ws/mcp-status`,
    http: `http://127.0.0.1:${port}`,
    redis,
    eventLog,
    metricsText: () => registry.render(),
    async stop() {
      await edge.stop();
      redis.disconnect();
    },
  };
}

export interface EdgeProcess {
  readonly proc: ProcessHandle;
  readonly port: number;
  readonly ws: string;
  readonly http: string;
}

export async function startEdgeProcess(
  redisUrl: string,
  prefix: string,
  env: Record<string, string> = {},
): Promise<EdgeProcess> {
  const port = await freePort();
  const proc = await startService('edge', {
    name: `edge:${port}`,
    env: {
      REDIS_URL: redisUrl,
      BEACON_REDIS_PREFIX: prefix,
      BEACON_EDGE_PORT: String(port),
      BEACON_EDGE_HOST: '127.0.0.1',
      BEACON_EDGE_ID: `edge-${port}`,
      BEACON_JWT_SECRET: SECRET,
      LOG_LEVEL: 'info',
      ...env,
    },
    readyLine: /"msg":"edge ready"/,
    readyTimeoutMs: 60_000,
  });
  return {
    proc,
    port,
    ws: `ws://127.0.0.1:${port}/ws/mcp-status`,
    http: `http://127.0.0.1:${port}`,
  };
}

export interface Msg {
  readonly type: string;
  readonly offset?: string;
  readonly epoch?: string;
  readonly mcp_name?: string;
  readonly mcps?: McpStatus[];
  readonly recovered?: boolean;
  readonly code?: string;
  readonly [k: string]: unknown;
}

export interface Recorder {
  readonly ws: WebSocket;
  /** Every text frame, parsed when JSON (plain `pong` kept as the string). */
  readonly messages: (Msg | string)[];
  readonly closed: { code: number; reason: string } | null;
  /** Resolves on open; rejects with `HTTP <status>: <body>` when the upgrade is refused. */
  readonly opened: Promise<void>;
  /** Resolves when the socket closed. */
  readonly done: Promise<{ code: number; reason: string }>;
  of(type: string): Msg[];
  /** Replayable event messages (anything with an offset except initial_status). */
  events(): Msg[];
  waitFor<T>(pick: (r: Recorder) => T, what: string, timeoutMs?: number): Promise<NonNullable<T>>;
  close(): void;
}

export function record(
  url: string,
  options: { headers?: Record<string, string>; token?: string; origin?: string } = {},
): Recorder {
  const headers = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const ws = new WebSocket(url, {
    headers,
    ...(options.origin === undefined ? {} : { origin: options.origin }),
    maxPayload: 256 * 1024 * 1024,
  });
  const messages: (Msg | string)[] = [];
  let closed: { code: number; reason: string } | null = null;
  let resolveDone!: (v: { code: number; reason: string }) => void;
  const done = new Promise<{ code: number; reason: string }>((r) => (resolveDone = r));
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => reject(new Error(`HTTP ${res.statusCode ?? '?'}: ${body}`)));
    });
    ws.once('error', (err) => reject(err));
  });
  opened.catch(() => undefined);
  ws.on('error', () => undefined);
  ws.on('message', (data, isBinary) => {
    const text = isBinary ? '<binary>' : (data as Buffer).toString('utf8');
    try {
      messages.push(JSON.parse(text) as Msg);
    } catch {
      messages.push(text);
    }
  });
  ws.on('close', (code, reason) => {
    closed = { code, reason: reason.toString() };
    resolveDone(closed);
  });
  const rec: Recorder = {
    ws,
    messages,
    get closed() {
      return closed;
    },
    opened,
    done,
    of: (type) => messages.filter((m): m is Msg => typeof m !== 'string' && m.type === type),
    events: () =>
      messages.filter(
        (m): m is Msg =>
          typeof m !== 'string' && typeof m.offset === 'string' && m.type !== 'initial_status',
      ),
    waitFor: (pick, what, timeoutMs = 20_000) =>
      waitFor(() => pick(rec), { timeoutMs, message: what }),
    close: () => ws.close(),
  };
  return rec;
}

/**
 * A client that keeps one connection up across the given edges: after any close it reconnects
 * (to the next edge in the list) with `since`/`epoch` of the last event it saw, like the SDK.
 * `sequence()` is what it would show: offsets after its first initial_status, in order.
 */
export interface ResumingClient {
  readonly reconnects: number;
  readonly closeCodes: number[];
  /** Why connection attempts failed (refusals, connection errors). */
  readonly errors: string[];
  readonly initials: Msg[];
  /** Offsets of every replayable event received, in arrival order (duplicates kept). */
  readonly offsets: string[];
  readonly lastOffset: string | null;
  readonly current: Recorder | null;
  stop(): void;
}

export function resumingClient(
  urls: readonly string[],
  options: { token?: string; query?: string } = {},
): ResumingClient {
  const closeCodes: number[] = [];
  const errors: string[] = [];
  const initials: Msg[] = [];
  const offsets: string[] = [];
  let epoch: string | null = null;
  let last: string | null = null;
  let reconnects = 0;
  let stopped = false;
  let current: Recorder | null = null;
  let index = 0;

  const connect = (): void => {
    if (stopped) return;
    const base = urls[index % urls.length] as string;
    const params = new URLSearchParams(options.query ?? '');
    if (last !== null && epoch !== null) {
      params.set('since', last);
      params.set('epoch', epoch);
    }
    const qs = params.toString();
    const rec = record(
      qs === '' ? base : `${base}?${qs}`,
      options.token === undefined ? {} : { token: options.token },
    );
    current = rec;
    rec.opened.catch((err: unknown) => errors.push(String(err)));
    rec.ws.on('error', (err) => errors.push(`socket error: ${String(err)}`));
    let seen = 0;
    rec.ws.on('message', () => {
      for (; seen < rec.messages.length; seen++) {
        const m = rec.messages[seen];
        if (m === undefined || typeof m === 'string') continue;
        if (m.type === 'initial_status') {
          initials.push(m);
          epoch = m.epoch ?? null;
          last = m.offset ?? null;
        } else if (typeof m.offset === 'string') {
          offsets.push(m.offset);
          last = m.offset;
        }
      }
    });
    void rec.done.then(({ code }) => {
      closeCodes.push(code);
      errors.push(
        `closed ${code} after ${rec.messages.length} messages from ${base}: ${JSON.stringify(rec.messages.slice(0, 3)).slice(0, 300)}`,
      );
      if (stopped) return;
      reconnects++;
      index++;
      // Back off a little on refusals (e.g. the next edge is draining too).
      setTimeout(connect, code === 1006 && rec.messages.length === 0 ? 100 : 10);
    });
  };
  connect();
  return {
    get reconnects() {
      return reconnects;
    },
    closeCodes,
    errors,
    initials,
    offsets,
    get lastOffset() {
      return last;
    },
    get current() {
      return current;
    },
    stop() {
      stopped = true;
      current?.close();
    },
  };
}

export function logFor(redisUrl: string, prefix: string): { log: EventLog; redis: Redis } {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  redis.on('error', () => undefined);
  return { log: createEventLog(redis, { prefix }), redis };
}

/** Every offset in the log strictly after `after`, in order. */
export async function logOffsets(log: EventLog, after: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of log.history(after)) out.push(e.offset);
  return out;
}

/**
 * What most edge integration files set up the same way: a private Redis, a writer on a fresh
 * prefix with the first `registered` seed MCPs registered, and in-process edges on that log.
 */
export interface TestBed {
  readonly redis: RedisHandle;
  readonly prefix: string;
  readonly writer: { readonly log: EventLog; readonly redis: Redis };
  /** Run in reverse by stop() (a failing one does not stop the rest), before Redis stops. */
  readonly cleanups: (() => Promise<unknown>)[];
  /** `startEdge` on this bed's log, stopped by stop(). */
  edge(overrides?: Partial<EdgeSettings>, options?: { subscriber?: Redis }): Promise<InProcessEdge>;
  stop(): Promise<void>;
}

export async function startTestBed(name: string, registered: number): Promise<TestBed> {
  const redis = await startRedis();
  const prefix = uniquePrefix(name);
  const writer = logFor(redis.url, prefix);
  const cleanups: (() => Promise<unknown>)[] = [async () => writer.redis.quit()];
  const stop = async (): Promise<void> => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await redis.stop();
  };
  try {
    for (let i = 0; i < registered; i++) await writer.log.append(registration(mcpName(i)));
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    redis,
    prefix,
    writer,
    cleanups,
    async edge(overrides = {}, options = {}) {
      const edge = await startEdge(redis.url, prefix, overrides, options);
      cleanups.push(() => edge.stop());
      return edge;
    },
    stop,
  };
}
