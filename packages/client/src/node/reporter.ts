// The gateway outcome reporter for Node (`@beacon/client/node`): batches call outcomes onto the
// outcomes stream (one pipelined XADD per outcome, MAXLEN ~) and answers "is a call to this MCP
// permitted?" from the projection (see ../permit.ts for the semantics).
import {
  CircuitState,
  decodeFieldOrNull,
  keyspace,
  McpName,
  parseOrThrow,
  STREAM_FIELD,
} from '@beacon/protocol';
import { Redis, type Cluster } from 'ioredis';
import { TRIAL_PERMIT_LUA, permitFromRow, type PermitDecision } from '../permit.js';
import {
  createOutcomeBuffer,
  encodeOutcome,
  type OutcomeBufferStats,
  type OutcomeReport,
} from '../reporter.js';

export interface OutcomeReporterOptions {
  /** An ioredis client (not closed by the reporter)... */
  readonly redis?: Redis | Cluster;
  /** ...or a URL: the reporter opens (and on close() quits) its own connection. */
  readonly url?: string;
  /** BEACON_REDIS_PREFIX of the Beacon deployment (default "beacon"). */
  readonly prefix?: string;
  /** Stamped on every outcome unless the report names one. */
  readonly gateway?: string;
  readonly batchSize?: number;
  readonly flushIntervalMs?: number;
  readonly maxBuffered?: number;
  /** Approximate length the outcomes stream is trimmed to (XADD MAXLEN ~). Default 100,000. */
  readonly maxStreamLength?: number;
  /** How long a CLOSED/OPEN answer is reused before the projection is read again (default 250). */
  readonly permitCacheMs?: number;
  /** The HALF_OPEN trial budget renews after this long (default 10,000). */
  readonly trialWindowMs?: number;
  /** Answer when Redis cannot be asked (default true: fail open). */
  readonly permitOnError?: boolean;
  /**
   * Report a `not_permitted` outcome whenever isCallPermitted answers no, so the breaker counts
   * the calls it refused (`not_permitted_calls`). Default true.
   */
  readonly reportNotPermitted?: boolean;
  readonly onError?: (err: unknown) => void;
}

export interface OutcomeReporter {
  /** Queue one outcome (validated at once: throws BeaconError naming a bad field). */
  report(outcome: OutcomeReport): void;
  /** May the gateway call this MCP now? CLOSED yes, OPEN no, HALF_OPEN within the trial budget. */
  isCallPermitted(mcpName: string): Promise<boolean>;
  /** The circuit state the projection shows (cached like isCallPermitted), null if unknown. */
  circuitState(mcpName: string): Promise<CircuitState | null>;
  flush(): Promise<void>;
  close(): Promise<void>;
  stats(): OutcomeBufferStats;
}

interface TrialCommand {
  beaconTrialPermit(mcpKey: string, trialKey: string, ...args: string[]): Promise<number>;
}

interface CachedRow {
  readonly state: CircuitState | null;
  readonly decision: PermitDecision;
  readonly until: number;
}

export function createOutcomeReporter(options: OutcomeReporterOptions): OutcomeReporter {
  if ((options.redis === undefined) === (options.url === undefined)) {
    throw new TypeError('createOutcomeReporter: pass exactly one of `redis` or `url`');
  }
  const owned = options.redis === undefined;
  const redis: Redis | Cluster =
    options.redis ?? new Redis(options.url as string, { maxRetriesPerRequest: 3 });
  if (owned) redis.on('error', (err: unknown) => options.onError?.(err));
  const keys = keyspace({ prefix: options.prefix ?? 'beacon' });
  const maxLen = String(options.maxStreamLength ?? 100_000);
  const cacheMs = options.permitCacheMs ?? 250;
  const trialWindow = String(options.trialWindowMs ?? 10_000);
  const permitOnError = options.permitOnError ?? true;
  const r = redis as (Redis | Cluster) & Partial<TrialCommand>;
  if (r.beaconTrialPermit === undefined) {
    redis.defineCommand('beaconTrialPermit', { numberOfKeys: 2, lua: TRIAL_PERMIT_LUA });
  }
  const trial = redis as unknown as TrialCommand;
  const cache = new Map<string, CachedRow>();

  const buffer = createOutcomeBuffer({
    batchSize: options.batchSize,
    flushIntervalMs: options.flushIntervalMs,
    maxBuffered: options.maxBuffered,
    onError: options.onError,
    async send(batch) {
      const p = redis.pipeline();
      for (const json of batch)
        p.xadd(keys.outcomes, 'MAXLEN', '~', maxLen, '*', STREAM_FIELD.outcome, json);
      const results = (await p.exec()) ?? [];
      const failed = results.find(([err]) => err !== null);
      if (failed) throw failed[0] as Error;
    },
  });

  async function readRow(name: string): Promise<CachedRow> {
    const now = Date.now();
    const hit = cache.get(name);
    if (hit !== undefined && hit.until > now) return hit;
    const [stateRaw, breakerRaw] = await redis.hmget(keys.mcp(name), 'circuit_state', 'breaker');
    const circuit = CircuitState.safeParse(decodeFieldOrNull(stateRaw)).data ?? null;
    const breaker = decodeFieldOrNull(breakerRaw) as Record<string, number | string | null> | null;
    const row = { state: circuit, decision: permitFromRow(circuit, breaker), until: now + cacheMs };
    if (cache.size > 10_000) cache.clear();
    cache.set(name, row);
    return row;
  }

  async function permitted(name: string, retry: boolean): Promise<boolean> {
    const row = await readRow(name);
    const d = row.decision;
    if (d.kind !== 'trial') return d.kind === 'permitted';
    const answer = await trial.beaconTrialPermit(
      keys.mcp(name),
      keys.breakerTrials(name, d.seq),
      String(d.seq),
      String(d.budget),
      trialWindow,
    );
    if (answer !== -1) return answer === 1;
    cache.delete(name); // our view of the circuit is stale
    return retry ? permitted(name, false) : (await readRow(name)).decision.kind === 'permitted';
  }

  const reportNotPermitted = options.reportNotPermitted ?? true;
  return {
    report(outcome) {
      buffer.push(encodeOutcome(outcome, options.gateway));
    },
    async isCallPermitted(mcpName) {
      parseOrThrow(McpName, mcpName, 'MCP name');
      let answer: boolean;
      try {
        answer = await permitted(mcpName, true);
      } catch (err) {
        options.onError?.(err);
        return permitOnError;
      }
      if (!answer && reportNotPermitted) {
        buffer.push(
          encodeOutcome(
            { mcp_name: mcpName, outcome: 'not_permitted', latency_ms: 0 },
            options.gateway,
          ),
        );
      }
      return answer;
    },
    async circuitState(mcpName) {
      parseOrThrow(McpName, mcpName, 'MCP name');
      return (await readRow(mcpName)).state;
    },
    flush: () => buffer.flush(),
    async close() {
      try {
        await buffer.close();
      } finally {
        if (owned) await redis.quit().catch(() => undefined);
      }
    },
    stats: () => buffer.stats(),
  };
}
