// Every Redis key and channel of one Beacon log. All share one hash tag so multi-key scripts run
// unchanged on Redis Cluster (every key lands in the same slot).
export interface KeyspaceOptions {
  /** Key prefix; `BEACON_REDIS_PREFIX`, default "beacon". */
  readonly prefix?: string;
  /** Hash tag; defaults to the prefix, so keys look like `{beacon}:log`. */
  readonly hashTag?: string;
}

export interface Keyspace {
  readonly base: string;
  /** The event stream: entry id = offset. */
  readonly log: string;
  /** Hash: epoch, last offset. */
  readonly meta: string;
  /** Set of MCP names in the projection. */
  readonly names: string;
  /** Hash holding one MCP's projected state (field → JSON value). */
  readonly mcp: (name: string) => string;
  /** Pub/sub channel carrying every appended event with its offset and predecessor. */
  readonly live: string;
  /** Pub/sub channel for non-replayable messages (system_metrics) and command results. */
  readonly side: string;
  /** Latest system_metrics JSON. */
  readonly metrics: string;
  /** Lease key and fencing counter of a named worker role. */
  readonly lease: (role: string) => string;
  readonly fence: (role: string) => string;
  /** Internal streams. */
  readonly registryCommands: string;
  readonly breakerCommands: string;
  readonly notifierCommands: string;
  /** Notifier keys (`notifier:<suffix>`): position, alerts, config hashes, channel queues. */
  readonly notifier: (suffix: string) => string;
  /** Uptime projector keys (`uptime:<suffix>`, layout UPTIME_KEY): rollups, incidents, position. */
  readonly uptime: (suffix: string) => string;
  readonly probes: string;
  readonly outcomes: string;
  /** Sorted set of due times (score = epoch ms) owned by a worker role. */
  readonly due: (role: string) => string;
  /** Hash of per-worker durable state (e.g. breaker state per MCP). */
  readonly state: (role: string) => string;
  /** Counter of trial calls handed out to gateways in one HALF_OPEN period (`seq` names it). */
  readonly breakerTrials: (name: string, seq: number) => string;
  /** Edge heartbeats: hash edge id → JSON figures; each also has a TTL'd key. */
  readonly edges: string;
  readonly edge: (id: string) => string;
}

const SAFE = /^[A-Za-z0-9_.:-]{1,64}$/;

export function keyspace(options: KeyspaceOptions = {}): Keyspace {
  const prefix = options.prefix ?? 'beacon';
  const tag = options.hashTag ?? prefix;
  if (!SAFE.test(prefix)) throw new TypeError(`invalid Redis prefix ${JSON.stringify(prefix)}`);
  if (!SAFE.test(tag)) throw new TypeError(`invalid Redis hash tag ${JSON.stringify(tag)}`);
  const base = tag === prefix ? `{${prefix}}` : `${prefix}:{${tag}}`;
  const k = (suffix: string): string => `${base}:${suffix}`;
  return Object.freeze({
    base,
    log: k('log'),
    meta: k('meta'),
    names: k('names'),
    mcp: (name: string) => k(`mcp:${name}`),
    live: k('live'),
    side: k('side'),
    metrics: k('metrics'),
    lease: (role: string) => k(`lease:${role}`),
    fence: (role: string) => k(`fence:${role}`),
    registryCommands: k('cmd:registry'),
    breakerCommands: k('cmd:breaker'),
    notifierCommands: k('cmd:notifier'),
    notifier: (suffix: string) => k(`notifier:${suffix}`),
    uptime: (suffix: string) => k(`uptime:${suffix}`),
    probes: k('probes'),
    outcomes: k('outcomes'),
    due: (role: string) => k(`due:${role}`),
    state: (role: string) => k(`state:${role}`),
    breakerTrials: (name: string, seq: number) => k(`trials:${name}:${seq}`),
    edges: k('edges'),
    edge: (id: string) => k(`edge:${id}`),
  });
}

/**
 * The one field of an entry on each internal stream, holding the message JSON: `c` on the command
 * streams (registryCommands, breakerCommands), `p` on probes, `o` on outcomes. Gateways not
 * written in TypeScript use the same names (see the README).
 */
export const STREAM_FIELD = Object.freeze({
  command: 'c',
  probe: 'p',
  outcome: 'o',
} as const);
export type StreamField = (typeof STREAM_FIELD)[keyof typeof STREAM_FIELD];
