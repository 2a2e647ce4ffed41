// The live store between @beacon/client and React. The client folds every event as it arrives;
// this store collects what changed and publishes one new snapshot per animation frame, so 200
// events/s cost at most one render per frame. The timeline is a bounded ring (newest last).
// Probe digests move rows' last check / latency (folded by the client) and feed a bounded ring of
// latency samples per MCP, applied at the same frame flush.
import {
  createBeaconClient,
  type BeaconClient,
  type ClientError,
  type ConnectionState,
  type EventInfo,
  type WebSocketConstructor,
} from '@beacon/client';
import type { McpStatus, ProbeSample, SystemMetrics } from '@beacon/protocol';
import { createProbeHistory, type ProbePoint } from './probe-history.js';

export interface TimelineEntry {
  /** Offset for log events; null for local markers (resync notices). */
  readonly offset: string | null;
  readonly type: string;
  readonly mcp: string;
  /** Status, health event type, or fleet change. */
  readonly what: string;
  readonly detail: string;
  readonly timestamp: string;
  readonly actor?: string;
}

export interface LiveSnapshot {
  readonly connection: ConnectionState;
  /** Bumped whenever any row changed (rows are immutable objects; unchanged ones keep identity). */
  readonly fleetVersion: number;
  readonly rows: readonly McpStatus[];
  readonly byName: ReadonlyMap<string, McpStatus>;
  /** Oldest first; read newest-first by index from the end. Bounded to `timelineLimit`. */
  readonly timeline: readonly TimelineEntry[];
  readonly timelineVersion: number;
  /** Bumped when probe samples arrived (see `LiveStore.probePoints`). */
  readonly probesVersion: number;
  /** Log events applied since the page loaded (the timeline may have dropped old ones). */
  readonly eventsApplied: number;
  readonly metrics: SystemMetrics | null;
  readonly metricsAt: string | null;
  readonly offset: string | null;
  readonly epoch: string | null;
  readonly lastError: ClientError | null;
  readonly invalidFrames: number;
  /** Set when state was replaced (resume not served); the UI says "resynced". */
  readonly resyncedAt: number | null;
  readonly hasSnapshot: boolean;
}

export interface LiveStore {
  getSnapshot(): LiveSnapshot;
  subscribe(listener: () => void): () => void;
  /** Every applied event, synchronously (the detail view follows one MCP). */
  onEvent(listener: (info: EventInfo) => void): () => void;
  /** Recent probe samples of one MCP, oldest first, as of the last published snapshot. */
  probePoints(name: string): readonly ProbePoint[];
  readonly client: BeaconClient;
  start(): void;
  stop(): void;
}

export interface LiveStoreOptions {
  readonly url: string;
  readonly getToken: () => string | null;
  readonly timelineLimit?: number;
  /** Probe samples kept per MCP for the latency chart. */
  readonly probePointsLimit?: number;
  readonly WebSocket?: WebSocketConstructor;
  /** Frame scheduler; `requestAnimationFrame` in the browser. */
  readonly schedule?: (fn: () => void) => void;
}

function describe(info: EventInfo): Pick<TimelineEntry, 'what' | 'detail'> {
  const m = info.message;
  switch (m.type) {
    case 'mcp_status_change': {
      const md = m.metadata;
      const parts: string[] = [];
      if (md.previous_status !== undefined) parts.push(`was ${md.previous_status}`);
      if (md.error) parts.push(md.error);
      if (md.reason) parts.push(md.reason);
      if (typeof md.latency_ms === 'number') parts.push(`${Math.round(md.latency_ms)} ms`);
      return { what: m.status, detail: parts.join(' · ') };
    }
    case 'health_event': {
      const d = m.data;
      const parts = Object.entries(d)
        .filter(([k, v]) => k !== 'breaker' && (typeof v !== 'object' || v === null))
        .slice(0, 4)
        .map(([k, v]) => `${k}=${String(v)}`);
      return { what: m.event_type, detail: parts.join(' ') };
    }
    case 'mcp_registered':
      return { what: 'registered', detail: m.config.transport.type };
    case 'mcp_updated':
      return { what: 'updated', detail: m.changes.join(', ') };
    case 'mcp_removed':
      return { what: 'removed', detail: '' };
  }
}

export function createLiveStore(options: LiveStoreOptions): LiveStore {
  const limit = options.timelineLimit ?? 2_000;
  const schedule = options.schedule ?? ((fn) => requestAnimationFrame(() => fn()));
  const client = createBeaconClient({
    url: options.url,
    getToken: options.getToken,
    ...(options.WebSocket === undefined ? {} : { WebSocket: options.WebSocket }),
  });
  const listeners = new Set<() => void>();
  const eventListeners = new Set<(info: EventInfo) => void>();

  let timeline: TimelineEntry[] = [];
  let fleetDirty = true;
  let pending = false;
  let eventsApplied = 0;
  let lastError: ClientError | null = null;
  let resyncedAt: number | null = null;
  let hasSnapshot = false;
  let rows: readonly McpStatus[] = [];
  const probes = createProbeHistory(options.probePointsLimit);
  // Digests wait for the frame flush, so the rings always match the published snapshot.
  let pendingProbes: (readonly ProbeSample[])[] = [];
  let pendingProbeCount = 0;
  let pruneProbes = false;
  let snapshot: LiveSnapshot = build(0, 0, 0);

  function build(
    fleetVersion: number,
    timelineVersion: number,
    probesVersion: number,
  ): LiveSnapshot {
    const m = client.metrics;
    if (fleetDirty) rows = [...client.fleet.values()];
    return {
      connection: client.state,
      fleetVersion,
      rows,
      byName: client.fleet,
      timeline,
      timelineVersion,
      probesVersion,
      eventsApplied,
      metrics: m?.metrics ?? null,
      metricsAt: m?.timestamp ?? null,
      offset: client.offset,
      epoch: client.epoch,
      lastError,
      invalidFrames: client.stats.invalid,
      resyncedAt,
      hasSnapshot,
    };
  }

  let probesChanged = false;
  const applyProbes = (): void => {
    if (pendingProbes.length > 0) {
      for (const samples of pendingProbes) probes.add(samples);
      pendingProbes = [];
      pendingProbeCount = 0;
      probesChanged = true;
      pruneProbes = true;
    }
    // After adding: samples of an MCP unknown to this page (or removed meanwhile) leave no ring.
    if (pruneProbes) {
      probes.retain((name) => client.fleet.has(name));
      pruneProbes = false;
    }
  };

  let timelineChanged = false;
  const flush = (): void => {
    pending = false;
    if (timeline.length > limit) timeline = timeline.slice(-limit);
    const fleetVersion = snapshot.fleetVersion + (fleetDirty ? 1 : 0);
    const timelineVersion = snapshot.timelineVersion + (timelineChanged ? 1 : 0);
    applyProbes();
    const probesVersion = snapshot.probesVersion + (probesChanged ? 1 : 0);
    snapshot = build(fleetVersion, timelineVersion, probesVersion);
    probesChanged = false;
    fleetDirty = false;
    timelineChanged = false;
    for (const l of listeners) l();
  };
  const request = (): void => {
    if (pending) return;
    pending = true;
    schedule(flush);
  };
  const push = (entry: TimelineEntry): void => {
    timeline.push(entry);
    timelineChanged = true;
    // While the tab is hidden frames stop; keep memory bounded until the next flush.
    if (timeline.length > limit * 2) timeline = timeline.slice(-limit);
  };

  client.on('event', (info) => {
    eventsApplied += 1;
    fleetDirty = true;
    const m = info.message;
    push({
      offset: m.offset,
      type: m.type,
      mcp: m.mcp_name,
      ...describe(info),
      timestamp: m.timestamp,
      ...(m.actor === undefined ? {} : { actor: m.actor }),
    });
    if (m.type === 'mcp_removed') pruneProbes = true;
    for (const l of eventListeners) l(info);
    request();
  });
  client.on('probes', ({ samples, rows: moved }) => {
    if (moved.length > 0) fleetDirty = true;
    pendingProbes.push(samples);
    pendingProbeCount += samples.length;
    // While the tab is hidden frames stop: fold into the rings now (they are bounded).
    if (pendingProbeCount > 50_000) applyProbes();
    request();
  });
  client.on('snapshot', ({ message, reason }) => {
    fleetDirty = true;
    pruneProbes = true;
    hasSnapshot = true;
    if (reason !== 'initial') {
      resyncedAt = Date.now();
      // Say so in the timeline: events between the old and new offsets were not seen one by one.
      push({
        offset: null,
        type: 'marker',
        mcp: '',
        what: 'resynced',
        detail: `state replaced from a snapshot at ${message.offset} (${reason.replace('_', ' ')})`,
        timestamp: message.timestamp,
      });
    }
    request();
  });
  client.on('state', () => request());
  client.on('metrics', () => request());
  client.on('invalid', () => request());
  client.on('error', (e) => {
    lastError = e;
    request();
  });

  return {
    getSnapshot: () => snapshot,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onEvent(listener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    probePoints: (name) => probes.points(name),
    client,
    start: () => client.start(),
    stop: () => client.close(),
  };
}
