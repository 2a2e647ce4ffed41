// The active registry's fleet: rebuilt from the projection (rows carry their config) plus the
// saved counters, then probed. Each MCP has its own timer (phase spread over its interval), a
// shared semaphore bounds probes in flight, and every decision for one MCP runs under that MCP's
// lock so probes, tool changes and commands never interleave. Events go to the log with the
// lease's fence; side state (counters, due times, probe results) goes through the fenced store.
import type { EventLog, Fence } from '@beacon/event-log';
import type { McpConfig, McpStatus, ProbeResult } from '@beacon/protocol';
import type { Logger } from 'pino';
import {
  decideProbe,
  decideTools,
  probesNormally,
  stateFromRow,
  type DecideSettings,
  type McpState,
} from './decide.js';
import {
  healthChecked,
  type FleetChange,
  type FleetItem,
  type Owner,
  type Plan,
} from './fleet-ops.js';
import type { HttpAgents } from './http-transport.js';
import { createProbeSession, type ProbeSession } from './prober.js';
import { resolveStdio, type StdioAllowList } from './stdio-commands.js';
import type { RegistryMetrics } from './registry-metrics.js';
import { createSemaphore } from './semaphore.js';
import type { RegistryStore, SavedState, WriteBatch } from './store.js';

export interface EngineSettings {
  readonly failureCyclesToDisable: number;
  readonly reprobeBaseMs: number;
  readonly reprobeMaxMs: number;
  readonly concurrency: number;
  /** BEACON_MAX_AUTO_DISABLED_PERCENT (default 100: no cap). */
  readonly maxAutoDisabledPercent?: number;
  /** How often modern (2026-07-28) servers' tools are re-listed between probes (default 60 s). */
  readonly toolsRefreshMs?: number | undefined;
}

export interface EngineDeps {
  readonly eventLog: EventLog;
  readonly store: RegistryStore;
  readonly fence: Fence;
  readonly settings: EngineSettings;
  readonly logger: Logger;
  readonly metrics: RegistryMetrics;
  /** Every probe result whose decision was applied (after its events are in the log). */
  readonly onProbe?: (result: ProbeResult) => void;
  /** Called once when the engine cannot go on (fenced, or an append failed): rebuild or step down. */
  readonly onFailure: (err: unknown) => void;
  /** The streamable-HTTP transport's agents (CA trust); default: Node's defaults. */
  readonly httpAgents?: HttpAgents | undefined;
  /** The stdio allow-list (resolved at every spawn); undefined: only fleet-file stdio runs. */
  readonly stdioCommands?: StdioAllowList | undefined;
}

export interface Engine {
  readonly fleet: ReadonlyMap<string, FleetItem>;
  /** Appends a plan's events and applies its changes; returns the last offset appended. */
  commit(plan: Plan): Promise<string | undefined>;
  /** Runs `fn` holding the locks of `names` (one MCP's decisions never interleave). */
  withLocks<T>(names: readonly string[], fn: () => Promise<T>): Promise<T>;
  /**
   * Probe one MCP now (after a probe already in flight) and apply the decision as any probe;
   * resolves with the result and the offset of the last event it appended. Throws
   * ProbeNowRefused when the MCP is unknown or disabled.
   */
  probeNow(name: string): Promise<ProbeApplied>;
  /** Schedules every MCP's probes and the re-probe poller. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface ProbeApplied {
  readonly result: ProbeResult;
  /** Offset of the last event the decision appended (absent when nothing changed). */
  readonly offset?: string;
}

export class ProbeNowRefused extends Error {
  override readonly name = 'ProbeNowRefused';
  constructor(
    readonly code: 'not_found' | 'conflict',
    message: string,
  ) {
    super(message);
  }
}
/** Probed on its interval: enabled, not auto-disabled, and `health_check` not off. */
const probedNormally = (item: FleetItem): boolean =>
  probesNormally(item.state) && healthChecked(item.config);

/** Spread first probes over the interval by name, so a restart does not probe all at once. */
export function phaseOf(name: string, intervalMs: number): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return (h >>> 0) % Math.max(1, intervalMs);
}

/** Queue the worker's counters when they differ from `before` (undefined: none saved yet). */
function saveCounters(
  batch: WriteBatch,
  name: string,
  before: McpState | undefined,
  after: McpState,
): void {
  if (
    before?.failureCycles === after.failureCycles &&
    before.reprobeAttempt === after.reprobeAttempt
  ) {
    return;
  }
  batch.counters(name, {
    failureCycles: after.failureCycles,
    reprobeAttempt: after.reprobeAttempt,
  });
}

export function createEngine(
  deps: EngineDeps,
  rows: readonly McpStatus[],
  saved: SavedState,
): Engine {
  const { eventLog, store, fence, settings, metrics } = deps;
  const log = deps.logger.child({ component: 'engine' });
  const fleet = new Map<string, FleetItem>();
  const sessions = new Map<string, ProbeSession>();
  const timers = new Map<string, NodeJS.Timeout>();
  const plannedAt = new Map<string, number>();
  const inflight = new Set<string>();
  const rerun = new Set<string>();
  const lastDropProbe = new Map<string, number>();
  const locks = new Map<string, Promise<unknown>>();
  const sem = createSemaphore(settings.concurrency);
  const pending = new Set<Promise<unknown>>();
  let stopped = false;
  let failed = false;

  // MCPs whose auto-disable is decided but not yet in `fleet` (their append is in flight):
  // counted against the cap, so two MCPs failing at once cannot both take the last place.
  const disabling = new Set<string>();
  const autoDisableCap = (): { autoDisabled: number; max: number } => {
    let autoDisabled = disabling.size;
    for (const [name, item] of fleet) {
      if (item.state.autoDisabled && !disabling.has(name)) autoDisabled++;
    }
    const percent = settings.maxAutoDisabledPercent ?? 100;
    // Like Envoy's max ejection percent, one MCP may always be taken out.
    return { autoDisabled, max: Math.max(1, Math.floor((fleet.size * percent) / 100)) };
  };
  const decideSettings = (config: McpConfig): DecideSettings => {
    const cap = (settings.maxAutoDisabledPercent ?? 100) < 100 ? autoDisableCap() : null;
    return {
      failureCyclesToDisable: config.failure_cycles_to_disable ?? settings.failureCyclesToDisable,
      reprobeBaseMs: settings.reprobeBaseMs,
      reprobeMaxMs: settings.reprobeMaxMs,
      ...(cap === null ? {} : { mayAutoDisable: cap.autoDisabled < cap.max, autoDisableCap: cap }),
    };
  };

  const track = <T>(p: Promise<T>): Promise<T> => {
    pending.add(p);
    void p.finally(() => pending.delete(p)).catch(() => undefined);
    return p;
  };

  const fail = (err: unknown): void => {
    if (failed || stopped) return;
    failed = true;
    deps.onFailure(err);
  };

  // ---- locks -------------------------------------------------------------------------------
  const withLock = <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const prev = locks.get(name) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    locks.set(name, tail);
    void tail.then(() => {
      if (locks.get(name) === tail) locks.delete(name);
    });
    return run;
  };
  const withLocks = <T>(names: readonly string[], fn: () => Promise<T>): Promise<T> => {
    const sorted = [...new Set(names)].sort();
    const step = (i: number): Promise<T> =>
      i === sorted.length ? fn() : withLock(sorted[i]!, () => step(i + 1));
    return step(0);
  };

  // ---- appends -------------------------------------------------------------------------------
  // One decision's events (e.g. `failure` + the status change) land atomically: a crash can
  // neither split nor half-repeat them.
  const appendAll = async (events: Plan['events']): Promise<string | undefined> => {
    if (events.length === 0) return undefined;
    if (stopped) throw new Error('registry engine stopped');
    let results;
    try {
      results = await eventLog.appendBatch(events, fence);
    } catch (err) {
      fail(err);
      throw err;
    }
    for (const event of events) metrics.events.labels(event.type).inc();
    return results[results.length - 1]?.offset;
  };

  const commitBatch = async (batch: WriteBatch): Promise<void> => {
    try {
      await batch.commit();
    } catch (err) {
      fail(err);
      throw err;
    }
  };

  // ---- scheduling ----------------------------------------------------------------------------
  const clearTimer = (name: string): void => {
    const t = timers.get(name);
    if (t !== undefined) clearTimeout(t);
    timers.delete(name);
    plannedAt.delete(name);
  };

  const scheduleAt = (name: string, at: number): void => {
    if (stopped) return;
    clearTimer(name);
    plannedAt.set(name, at);
    timers.set(
      name,
      setTimeout(() => fire(name, at), Math.max(0, at - Date.now())),
    );
  };

  const scheduleNext = (name: string, after: number): void => {
    const item = fleet.get(name);
    if (item === undefined || !probedNormally(item)) return;
    const interval = item.config.probe_interval_ms;
    let next = after + interval;
    const now = Date.now();
    // Fell behind (slow probe, busy process): go again soon, with a little jitter.
    if (next < now) next = now + Math.random() * Math.min(interval * 0.1, 1_000);
    scheduleAt(name, next);
  };

  const fire = (name: string, planned: number): void => {
    timers.delete(name);
    if (stopped) return;
    void track(
      runProbe(name, 'interval', planned).finally(() => {
        if (!timers.has(name)) scheduleNext(name, planned);
      }),
    ).catch(() => undefined);
  };

  const startProbing = (name: string, now: boolean): void => {
    const item = fleet.get(name);
    if (item === undefined || !probedNormally(item)) {
      clearTimer(name);
      return;
    }
    if (now) {
      if (inflight.has(name)) rerun.add(name);
      else scheduleAt(name, Date.now());
    } else if (!timers.has(name)) {
      scheduleAt(name, Date.now() + phaseOf(name, item.config.probe_interval_ms));
    }
  };

  // ---- sessions ------------------------------------------------------------------------------
  const closeSession = (name: string): void => {
    const s = sessions.get(name);
    sessions.delete(name);
    metrics.sessions.set(sessions.size);
    if (s !== undefined) void track(s.close()).catch(() => undefined);
  };

  const sessionFor = (name: string): ProbeSession => {
    let s = sessions.get(name);
    if (s !== undefined) return s;
    s = createProbeSession(name, {
      logger: log,
      ...(deps.httpAgents === undefined ? {} : { httpAgents: deps.httpAgents }),
      resolveStdio: (t) => resolveStdio(deps.stdioCommands, t, fleet.get(name)?.owner === 'file'),
      knownProtocolVersion: fleet.get(name)?.state.protocolVersion ?? null,
      ...(settings.toolsRefreshMs === undefined ? {} : { toolsRefreshMs: settings.toolsRefreshMs }),
      onToolsChanged: (seen) => {
        void track(
          withLock(name, async () => {
            const cur = fleet.get(name);
            if (cur === undefined || stopped) return;
            const d = decideTools(cur.state, seen, Date.now());
            await appendAll(d.events);
            fleet.set(name, { ...cur, state: d.next });
          }),
        ).catch((err: unknown) => log.warn({ err, mcp: name }, 'tools change not recorded'));
      },
      onDropped: () => {
        const item = fleet.get(name);
        if (item === undefined || !probedNormally(item)) return;
        // Probe at once to show the drop, but at most once per interval so a crash-looping
        // server cannot turn failure cycles into a busy loop.
        const now = Date.now();
        if (now - (lastDropProbe.get(name) ?? 0) < item.config.probe_interval_ms) return;
        lastDropProbe.set(name, now);
        startProbing(name, true);
      },
    });
    sessions.set(name, s);
    metrics.sessions.set(sessions.size);
    return s;
  };

  // ---- probing -------------------------------------------------------------------------------
  const recordProbe = (name: string, result: ProbeResult, seconds: number): void => {
    metrics.probes.labels(result.outcome).inc();
    metrics.probeSeconds.observe(seconds);
    metrics.observeMcpProbe(name, seconds);
  };

  // The probe in flight per MCP, so that a manual probe can wait for it and go next.
  const running = new Map<string, Promise<ProbeApplied | undefined>>();

  const runProbe = (
    name: string,
    kind: 'interval' | 'reprobe' | 'manual',
    planned: number,
  ): Promise<ProbeApplied | undefined> => {
    const item = fleet.get(name);
    if (stopped || item === undefined || item.state.disabled || inflight.has(name)) {
      return Promise.resolve(undefined);
    }
    const p = probeOnce(name, kind, planned).finally(() => {
      if (running.get(name) === p) running.delete(name);
    });
    running.set(name, p);
    return p;
  };

  const probeOnce = async (
    name: string,
    kind: 'interval' | 'reprobe' | 'manual',
    planned: number,
  ): Promise<ProbeApplied | undefined> => {
    const item = fleet.get(name);
    if (stopped || item === undefined || item.state.disabled || inflight.has(name)) return;
    if (!healthChecked(item.config)) return;
    if (kind === 'interval' && item.state.autoDisabled) return;
    if (kind === 'reprobe' && !item.state.autoDisabled) {
      await commitBatch(store.batch(fence).due(name, null));
      return;
    }
    inflight.add(name);
    metrics.inflight.inc();
    await sem.acquire();
    try {
      metrics.lagSeconds.observe(Math.max(0, Date.now() - planned) / 1000);
      if (stopped) return;
      const config = item.config;
      const t0 = performance.now();
      const result = await sessionFor(name).probe(config);
      recordProbe(name, result, (performance.now() - t0) / 1000);
      return await withLock(name, async (): Promise<ProbeApplied | undefined> => {
        const cur = fleet.get(name);
        // Changed while we probed (update, disable, removal): this result no longer applies.
        if (stopped || cur === undefined || cur.config !== config || cur.state.disabled) return;
        if (kind === 'interval' && cur.state.autoDisabled) return;
        const d = decideProbe(cur.state, result, Date.now(), decideSettings(cur.config));
        const disables = d.next.autoDisabled && !cur.state.autoDisabled;
        if (disables) disabling.add(name);
        let offset: string | undefined;
        try {
          offset = await appendAll(d.events);
          fleet.set(name, { ...cur, state: d.next });
        } finally {
          disabling.delete(name);
        }
        if (
          d.events.some((e) => e.type === 'health_event' && e.event_type === 'auto_disable_capped')
        ) {
          log.warn(
            { mcp: name, failure_cycles: d.next.failureCycles, ...autoDisableCap() },
            'MCP not auto-disabled: BEACON_MAX_AUTO_DISABLED_PERCENT of the fleet already is',
          );
        }
        deps.onProbe?.(result);
        // The breaker sees the probe after its status change is in the log.
        const batch = store.batch(fence).probe(result);
        saveCounters(batch, name, cur.state, d.next);
        if (d.reprobeAt !== undefined) batch.due(name, d.reprobeAt);
        await commitBatch(batch);
        if (d.next.autoDisabled && !cur.state.autoDisabled) {
          clearTimer(name);
          closeSession(name);
          log.warn({ mcp: name, failure_cycles: d.next.failureCycles }, 'MCP auto-disabled');
        } else if (!d.next.autoDisabled && cur.state.autoDisabled) {
          log.info({ mcp: name }, 'MCP re-enabled');
          scheduleNext(name, Date.now());
        }
        return { result, ...(offset === undefined ? {} : { offset }) };
      });
    } finally {
      sem.release();
      inflight.delete(name);
      metrics.inflight.dec();
      if (rerun.delete(name) && !stopped) startProbing(name, true);
    }
  };

  // ---- re-probes of auto-disabled MCPs (due times in Redis) ----------------------------------
  const pollMs = Math.min(1_000, Math.max(50, Math.floor(settings.reprobeBaseMs / 5)));
  let pollTimer: NodeJS.Timeout | null = null;
  const poll = async (): Promise<void> => {
    const now = Date.now();
    const due = await store.dueNow(now, 200);
    for (const name of due) {
      if (inflight.has(name)) continue;
      if (!fleet.has(name)) {
        await commitBatch(store.batch(fence).due(name, null));
        continue;
      }
      void track(runProbe(name, 'reprobe', now)).catch(() => undefined);
    }
  };
  const schedulePoll = (): void => {
    if (stopped) return;
    pollTimer = setTimeout(() => {
      void track(poll())
        .catch((err: unknown) => log.warn({ err }, 're-probe poll failed'))
        .finally(schedulePoll);
    }, pollMs);
  };

  // ---- plans (commands, fleet file) ---------------------------------------------------------
  const applyChange = (change: FleetChange, batch: WriteBatch): void => {
    const { name } = change;
    const before = fleet.get(name);
    if (change.item === null) {
      fleet.delete(name);
      lastDropProbe.delete(name);
      rerun.delete(name);
      clearTimer(name);
      closeSession(name);
      batch.forget(name);
      return;
    }
    const item = change.item;
    fleet.set(name, item);
    if (before?.owner !== item.owner) batch.owner(name, item.owner);
    saveCounters(batch, name, before?.state, item.state);
    if (change.reprobeAt !== undefined) batch.due(name, change.reprobeAt);
    if (change.reconnect) closeSession(name);
    if (!probedNormally(item)) {
      clearTimer(name);
      if (item.state.disabled || !healthChecked(item.config)) closeSession(name);
      return;
    }
    const intervalChanged =
      before !== undefined && before.config.probe_interval_ms !== item.config.probe_interval_ms;
    if (change.probeNow === true) startProbing(name, true);
    else if (intervalChanged)
      scheduleAt(name, Date.now() + phaseOf(name, item.config.probe_interval_ms));
    else startProbing(name, false);
  };

  const commit = async (plan: Plan): Promise<string | undefined> => {
    const offset = await appendAll(plan.events);
    const batch = store.batch(fence);
    for (const change of plan.changes) applyChange(change, batch);
    await commitBatch(batch);
    metrics.mcps.set(fleet.size);
    return offset;
  };

  // ---- rebuild -------------------------------------------------------------------------------
  for (const row of rows) {
    if (row.config === undefined) {
      log.warn({ mcp: row.name }, 'projection row without config; not managed by this registry');
      continue;
    }
    const counters = saved.counters.get(row.name);
    const state: McpState = stateFromRow(row, counters ?? {});
    const owner: Owner = saved.owners.get(row.name) ?? 'admin';
    fleet.set(row.name, { config: row.config, state, owner });
  }
  metrics.mcps.set(fleet.size);

  const start = async (): Promise<void> => {
    const dueTimes = await store.dueTimes();
    const batch = store.batch(fence);
    for (const [name, item] of fleet) {
      // Auto-disabled with no due time (e.g. lost with a crash): re-probe after the base delay.
      if (item.state.autoDisabled && !dueTimes.has(name))
        batch.due(name, Date.now() + settings.reprobeBaseMs);
      startProbing(name, false);
    }
    for (const name of dueTimes.keys()) {
      if (fleet.get(name)?.state.autoDisabled !== true) batch.due(name, null);
    }
    await commitBatch(batch);
    schedulePoll();
  };

  const probeNow = async (name: string): Promise<ProbeApplied> => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const item = fleet.get(name);
      if (item === undefined || stopped) {
        throw new ProbeNowRefused('not_found', `MCP ${name} is not registered`);
      }
      if (item.state.disabled) {
        throw new ProbeNowRefused('conflict', `MCP ${name} is disabled; enable it to probe it`);
      }
      if (!healthChecked(item.config)) {
        throw new ProbeNowRefused(
          'conflict',
          `MCP ${name} has health_check off; it is never probed`,
        );
      }
      const busy = running.get(name);
      if (busy !== undefined) {
        await busy.catch(() => undefined);
        continue;
      }
      const applied = await runProbe(name, 'manual', Date.now());
      if (applied !== undefined) return applied;
    }
    // The MCP kept changing under us (updated or disabled while probing): say so, try later.
    throw new ProbeNowRefused('conflict', `MCP ${name} changed while it was probed; try again`);
  };

  return Object.freeze({
    fleet,
    commit,
    withLocks,
    probeNow,
    start,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (pollTimer !== null) clearTimeout(pollTimer);
      for (const name of [...timers.keys()]) clearTimer(name);
      await Promise.allSettled([...pending]);
      await Promise.allSettled([...sessions.values()].map((s) => s.close()));
      sessions.clear();
      metrics.sessions.set(0);
    },
  });
}
