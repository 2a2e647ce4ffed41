// Shared pieces of the event-log integration suites: event builders and a recording subscriber.
import {
  applyEvent,
  compareOffsets,
  type LogEventInput,
  type McpStatus,
  type StoredEvent,
} from '@beacon/protocol';
import { waitFor } from '@beacon/testing';
import type { EventLog, Snapshot, SubscriptionHandler } from './types.js';

export const registration = (name: string): LogEventInput => ({
  type: 'mcp_registered',
  mcp_name: name,
  timestamp: new Date().toISOString(),
  config: {
    name,
    transport: { type: 'streamable-http', url: 'http://127.0.0.1:7200/mcp' },
  },
});

const STATUSES = ['healthy', 'unhealthy', 'disconnected'] as const;

export const statusChange = (name: string, writer: number, seq: number): LogEventInput => ({
  type: 'mcp_status_change',
  mcp_name: name,
  status: STATUSES[seq % STATUSES.length] as (typeof STATUSES)[number],
  timestamp: new Date().toISOString(),
  metadata: { latency_ms: seq, failure_cycles: seq % 7, writer, seq },
});

export interface Recorder extends SubscriptionHandler {
  readonly snapshots: { snapshot: Snapshot; reason: string }[];
  readonly events: StoredEvent[];
  readonly gaps: { after: string; before: string; repaired: number }[];
  readonly invalid: string[];
  /** Snapshot rows with every received event applied. */
  rows(): Map<string, McpStatus>;
}

export function recorder(): Recorder {
  const snapshots: Recorder['snapshots'] = [];
  const events: StoredEvent[] = [];
  const gaps: Recorder['gaps'] = [];
  const invalid: string[] = [];
  return {
    snapshots,
    events,
    gaps,
    invalid,
    onSnapshot: (snapshot, reason) => {
      snapshots.push({ snapshot, reason });
    },
    onEvent: (e) => {
      events.push(e);
    },
    onGap: (g) => {
      gaps.push(g);
    },
    onInvalid: (raw) => {
      invalid.push(raw);
    },
    rows() {
      const last = snapshots[snapshots.length - 1];
      const rows = new Map((last?.snapshot.mcps ?? []).map((m) => [m.name, m] as const));
      const from = last?.snapshot.offset ?? '0-0';
      for (const e of events) {
        if (compareOffsets(e.offset, from) > 0) applyEvent(rows, e.event, e.offset);
      }
      return rows;
    },
  };
}

/** Assert-friendly view: the chain of offsets is consistent (each event names its predecessor). */
export function brokenLinks(events: readonly StoredEvent[], start: string): string[] {
  const broken: string[] = [];
  let prev = start;
  for (const e of events) {
    if (e.prev !== prev) broken.push(`${e.offset} names ${e.prev}, expected ${prev}`);
    prev = e.offset;
  }
  return broken;
}

/**
 * Leader `a` campaigns and leads, `b` campaigns, `a` stops: who led in which order, and how long
 * `b` took to lead after `a` stopped (the budget is asserted in lease.slo.test.ts).
 */
export async function leaseHandover(
  log: EventLog,
  ttlMs = 600,
): Promise<{ leaders: string[]; handoverMs: number }> {
  const leaders: string[] = [];
  const a = log.lease('worker', { ttlMs, holder: 'a' });
  const b = log.lease('worker', { ttlMs, holder: 'b' });
  a.campaign({ onAcquired: () => void leaders.push('a') });
  await waitFor(() => leaders.length === 1, { timeoutMs: 5_000, message: 'a leads' });
  b.campaign({ onAcquired: () => void leaders.push('b') });
  await a.stop();
  const t0 = Date.now();
  await waitFor(() => leaders.length === 2, { timeoutMs: 5_000, message: 'b takes over' });
  const handoverMs = Date.now() - t0;
  await b.stop();
  return { leaders, handoverMs };
}
