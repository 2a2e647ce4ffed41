// Every environment variable the edge reads, validated once at start-up (all bad variables are
// reported together by @beacon/runtime's loadConfig). Cross-field rules (auth needs a key) are
// checked here too so a misconfigured edge never starts half-working.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { defaultAllowedHosts, hostListProblems } from './hosts.js';

const flag = z
  .enum(['0', '1', 'true', 'false', 'yes', 'no', 'on', 'off'])
  .transform((v) => v === '1' || v === 'true' || v === 'yes' || v === 'on');

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const list = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== ''),
);

const EDGE_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Edge-specific variables; merged with runtime's baseConfig (Redis, prefix, log level). */
export const edgeConfigShape = {
  BEACON_EDGE_PORT: int(0, 65_535).default(3001),
  BEACON_EDGE_HOST: z.string().min(1).default('0.0.0.0'),
  /** Identifies this edge in heartbeats and logs; default `<hostname>-<pid>`. */
  BEACON_EDGE_ID: z.string().regex(EDGE_ID, 'must be 1-64 of [A-Za-z0-9_.:-]').optional(),
  BEACON_AUTH: z.enum(['on', 'off']).default('on'),
  BEACON_JWT_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  BEACON_JWT_PUBLIC_KEY_FILE: z.string().min(1).optional(),
  BEACON_JWKS_FILE: z.string().min(1).optional(),
  BEACON_JWT_ISSUER: z.string().min(1).optional(),
  BEACON_JWT_AUDIENCE: z.string().min(1).optional(),
  /** Comma-separated origins (`https://a.example`), or `*`. Unset: same host only. */
  BEACON_ALLOWED_ORIGINS: list.default([]),
  /**
   * Comma-separated `host[:port]` the edge answers (Host header), or `*`. Unset: localhost names,
   * this machine's host name and the hosts of BEACON_ALLOWED_ORIGINS (DNS-rebinding defence).
   */
  BEACON_ALLOWED_HOSTS: list.default([]),
  /** Extra CSP connect-src sources for the dashboard (e.g. a demo control API origin). */
  BEACON_CSP_CONNECT_SRC: list.default([]),
  BEACON_ALLOW_UWS_FALLBACK: flag.default(false),
  /** Largest client frame accepted; bigger frames close the socket with 1009. */
  BEACON_WS_MAX_FRAME_BYTES: int(1024, 16 * 1024 * 1024).default(64 * 1024),
  /** Per-socket send buffer; a socket over it is closed with 4008 (slow consumer). */
  BEACON_WS_MAX_BUFFER_BYTES: int(16 * 1024, 1024 * 1024 * 1024).default(1024 * 1024),
  /** uWS idle timeout (s) with automatic protocol pings; 0 disables, else >= 8. */
  BEACON_WS_IDLE_TIMEOUT_S: int(0, 3600)
    .refine((v) => v === 0 || v >= 8, 'must be 0 or at least 8')
    .default(60),
  /** JSON `ping` message interval; 0 disables. */
  BEACON_PING_INTERVAL_MS: int(0, 3_600_000).default(25_000),
  /** Client frames per second per socket before `rate_limited`; 4x that in a second closes. */
  BEACON_WS_RATE_LIMIT: int(1, 100_000).default(50),
  /** Patterns one subscribe/unsubscribe frame may carry; more gets `limit_exceeded`. */
  BEACON_WS_MAX_FRAME_PATTERNS: int(1, 10_000).default(256),
  /** Patterns one connection's selection may hold (subscribed + unsubscribed-from). */
  BEACON_WS_MAX_PATTERNS: int(1, 100_000).default(256),
  /** Longest pattern (characters) in subscribe/unsubscribe; MCP names are at most 128. */
  BEACON_WS_MAX_PATTERN_LENGTH: int(1, 4096).default(256),
  /** Bad frames (invalid JSON, unknown type, binary) tolerated before the socket is closed. */
  BEACON_WS_MAX_BAD_FRAMES: int(1, 10_000).default(10),
  /** Recent events kept in memory for resume. */
  BEACON_RING_SIZE: int(0, 10_000_000).default(20_000),
  /** Most events a resume replays from Redis before it falls back to a fresh initial_status. */
  BEACON_RESUME_MAX_EVENTS: int(0, 10_000_000).default(20_000),
  /** How long an admin write waits for the worker's command_result. */
  BEACON_COMMAND_TIMEOUT_MS: int(100, 600_000).default(10_000),
  BEACON_HEARTBEAT_MS: int(200, 600_000).default(5_000),
  BEACON_MAX_BODY_BYTES: int(1024, 64 * 1024 * 1024).default(1024 * 1024),
  BEACON_DRAIN_TIMEOUT_MS: int(100, 600_000).default(10_000),
  /** How long `GET /api/uptime` answers of the whole fleet are reused (0 = never). */
  BEACON_UPTIME_CACHE_MS: int(0, 600_000).default(30_000),
  /** Built dashboard assets; default `../dashboard/dist` next to this package, when present. */
  BEACON_DASHBOARD_DIR: z.string().min(1).optional(),
} as const;

export const EdgeEnv = z.object(edgeConfigShape);
export type EdgeEnv = z.output<typeof EdgeEnv>;

export interface AuthConfig {
  readonly enabled: boolean;
  readonly secret: string | undefined;
  readonly publicKeyFile: string | undefined;
  readonly jwksFile: string | undefined;
  readonly issuer: string | undefined;
  readonly audience: string | undefined;
}

export interface EdgeSettings {
  readonly port: number;
  readonly host: string;
  readonly edgeId: string;
  readonly auth: AuthConfig;
  readonly allowedOrigins: readonly string[];
  /** Host header values answered (BEACON_ALLOWED_HOSTS, or the defaults). */
  readonly allowedHosts: readonly string[];
  readonly cspConnectSrc: readonly string[];
  readonly allowUwsFallback: boolean;
  readonly maxFrameBytes: number;
  readonly maxBufferBytes: number;
  readonly idleTimeoutS: number;
  readonly pingIntervalMs: number;
  readonly rateLimit: number;
  readonly maxBadFrames: number;
  readonly maxFramePatterns: number;
  readonly maxPatterns: number;
  readonly maxPatternLength: number;
  readonly ringSize: number;
  readonly resumeMaxEvents: number;
  readonly commandTimeoutMs: number;
  readonly heartbeatMs: number;
  readonly maxBodyBytes: number;
  readonly drainTimeoutMs: number;
  readonly uptimeCacheMs: number;
  readonly dashboardDir: string | null;
}

/** The package root (services/edge), from dist/config.js or src/config.ts alike. */
const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export function defaultDashboardDir(): string | null {
  const dir = resolve(packageDir, '../dashboard/dist');
  return existsSync(dir) ? dir : null;
}

/** Cross-field checks; returns a list of problems (empty when fine). */
export function edgeConfigProblems(env: EdgeEnv): string[] {
  const problems: string[] = [];
  const keys = [env.BEACON_JWT_SECRET, env.BEACON_JWT_PUBLIC_KEY_FILE, env.BEACON_JWKS_FILE];
  const keyCount = keys.filter((k) => k !== undefined).length;
  if (env.BEACON_AUTH === 'on' && keyCount === 0) {
    problems.push(
      'BEACON_JWT_SECRET: required while auth is on (or set BEACON_JWT_PUBLIC_KEY_FILE / BEACON_JWKS_FILE, or BEACON_AUTH=off)',
    );
  }
  if (keyCount > 1) {
    problems.push(
      'BEACON_JWT_SECRET: set only one of BEACON_JWT_SECRET, BEACON_JWT_PUBLIC_KEY_FILE, BEACON_JWKS_FILE',
    );
  }
  for (const [name, file] of [
    ['BEACON_JWT_PUBLIC_KEY_FILE', env.BEACON_JWT_PUBLIC_KEY_FILE],
    ['BEACON_JWKS_FILE', env.BEACON_JWKS_FILE],
  ] as const) {
    if (file !== undefined && !existsSync(file)) problems.push(`${name}: file ${file} not found`);
  }
  for (const origin of env.BEACON_ALLOWED_ORIGINS) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) {
      problems.push(
        `BEACON_ALLOWED_ORIGINS: "${origin}" is not an origin like https://host[:port]`,
      );
    }
  }
  problems.push(...hostListProblems(env.BEACON_ALLOWED_HOSTS));
  for (const src of env.BEACON_CSP_CONNECT_SRC) {
    if (!/^(https?|wss?):\/\/[^\s;,'"]+$/.test(src)) {
      problems.push(`BEACON_CSP_CONNECT_SRC: "${src}" is not an origin like http://host[:port]`);
    }
  }
  if (env.BEACON_DASHBOARD_DIR !== undefined && !existsSync(env.BEACON_DASHBOARD_DIR)) {
    problems.push(`BEACON_DASHBOARD_DIR: directory ${env.BEACON_DASHBOARD_DIR} not found`);
  }
  return problems;
}

export function edgeSettings(env: EdgeEnv, fallbackId: string): EdgeSettings {
  return Object.freeze({
    port: env.BEACON_EDGE_PORT,
    host: env.BEACON_EDGE_HOST,
    edgeId: env.BEACON_EDGE_ID ?? fallbackId,
    auth: Object.freeze({
      enabled: env.BEACON_AUTH === 'on',
      secret: env.BEACON_JWT_SECRET,
      publicKeyFile: env.BEACON_JWT_PUBLIC_KEY_FILE,
      jwksFile: env.BEACON_JWKS_FILE,
      issuer: env.BEACON_JWT_ISSUER,
      audience: env.BEACON_JWT_AUDIENCE,
    }),
    allowedOrigins: env.BEACON_ALLOWED_ORIGINS,
    allowedHosts:
      env.BEACON_ALLOWED_HOSTS.length > 0
        ? env.BEACON_ALLOWED_HOSTS
        : defaultAllowedHosts(env.BEACON_ALLOWED_ORIGINS),
    cspConnectSrc: env.BEACON_CSP_CONNECT_SRC,
    allowUwsFallback: env.BEACON_ALLOW_UWS_FALLBACK,
    maxFrameBytes: env.BEACON_WS_MAX_FRAME_BYTES,
    maxBufferBytes: env.BEACON_WS_MAX_BUFFER_BYTES,
    idleTimeoutS: env.BEACON_WS_IDLE_TIMEOUT_S,
    pingIntervalMs: env.BEACON_PING_INTERVAL_MS,
    rateLimit: env.BEACON_WS_RATE_LIMIT,
    maxBadFrames: env.BEACON_WS_MAX_BAD_FRAMES,
    maxFramePatterns: env.BEACON_WS_MAX_FRAME_PATTERNS,
    maxPatterns: env.BEACON_WS_MAX_PATTERNS,
    maxPatternLength: env.BEACON_WS_MAX_PATTERN_LENGTH,
    ringSize: env.BEACON_RING_SIZE,
    resumeMaxEvents: env.BEACON_RESUME_MAX_EVENTS,
    commandTimeoutMs: env.BEACON_COMMAND_TIMEOUT_MS,
    heartbeatMs: env.BEACON_HEARTBEAT_MS,
    maxBodyBytes: env.BEACON_MAX_BODY_BYTES,
    drainTimeoutMs: env.BEACON_DRAIN_TIMEOUT_MS,
    uptimeCacheMs: env.BEACON_UPTIME_CACHE_MS,
    dashboardDir: env.BEACON_DASHBOARD_DIR ?? defaultDashboardDir(),
  });
}
