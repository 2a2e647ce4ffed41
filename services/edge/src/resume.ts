// Resuming a connection from `since`/`epoch`: from the ring when it has the offset, else from
// the Redis stream until the ring can take over, waiting briefly when the client is ahead of
// this edge (it came from a faster one); a fresh initial_status (recovered: false) otherwise.
// Whatever the path, the last replayed event and the topic subscription happen in one turn.
import type { EventLog } from '@beacon/event-log';
import { compareOffsets, type StoredEvent } from '@beacon/protocol';
import type { Logger } from 'pino';
import type { ConnData, Ws } from './conn.js';
import type { Delivery } from './delivery.js';
import type { EdgeMetrics } from './edge-metrics.js';
import { wireJson, type Mirror } from './mirror.js';

const STREAM_BATCH = 1000;
/**
 * How long a resume from an offset this edge has not seen yet may wait for it. Edges normally
 * trail each other by milliseconds; an offset that stays ahead longer is one this log lost (a
 * Redis restored without its last writes) or an edge that is stuck, and the client is better
 * served by fresh state than by a longer silence.
 */
export const AHEAD_WAIT_MS = 2_000;

export type Resume = (ws: Ws, conn: ConnData, since: string, epoch: string) => void;

export function createResume(deps: {
  readonly mirror: Mirror;
  readonly eventLog: Pick<EventLog, 'replay'>;
  readonly delivery: Delivery;
  readonly resumeMaxEvents: number;
  readonly metrics: EdgeMetrics;
  readonly logger: Logger;
}): Resume {
  const { mirror, eventLog, metrics } = deps;
  const { send, goLive, sendFresh, sendEntries } = deps.delivery;
  const log = deps.logger;

  function resume(ws: Ws, conn: ConnData, since: string, epoch: string): void {
    if (epoch !== mirror.epoch) {
      metrics.connect('resume_failed');
      sendFresh(ws, conn, false);
      return;
    }
    const plan = mirror.resume(since);
    switch (plan.kind) {
      case 'current':
        metrics.connect('resume_current');
        ws.cork(() => goLive(ws, conn));
        return;
      case 'ring':
        metrics.connect('resume_ring');
        ws.cork(() => {
          sendEntries(ws, conn, plan.entries);
          goLive(ws, conn);
        });
        return;
      case 'invalid':
        metrics.connect('resume_failed');
        sendFresh(ws, conn, false);
        return;
      case 'ahead':
        void waitAhead(ws, conn, since);
        return;
      case 'older':
        metrics.connect('resume_stream');
        void catchUp(ws, conn, since);
        return;
    }
  }

  /**
   * The client saw events this edge has not mirrored yet (it came from a faster edge). Wait
   * for the mirror to get there, then resume from the ring; give up after AHEAD_WAIT_MS.
   */
  async function waitAhead(ws: Ws, conn: ConnData, since: string): Promise<void> {
    const generation = ++conn.generation;
    const epoch = mirror.epoch;
    const reached = await mirror.reached(since, AHEAD_WAIT_MS);
    if (!conn.open || conn.generation !== generation) return;
    const plan = reached && mirror.epoch === epoch ? mirror.resume(since) : null;
    if (plan?.kind === 'current' || plan?.kind === 'ring') {
      metrics.connect(plan.kind === 'ring' ? 'resume_ring' : 'resume_current');
      ws.cork(() => {
        if (plan.kind === 'ring') sendEntries(ws, conn, plan.entries);
        goLive(ws, conn);
      });
      return;
    }
    metrics.connect('resume_failed');
    sendFresh(ws, conn, false);
  }

  /**
   * Replay from the Redis stream until the ring can take over, then go live from the ring in
   * one synchronous turn. Events beyond the mirror's offset are left to the live topics.
   */
  async function catchUp(ws: Ws, conn: ConnData, since: string): Promise<void> {
    const generation = ++conn.generation;
    const epoch = mirror.epoch;
    let after = since;
    let replayed = 0;
    const stale = (): boolean => !conn.open || conn.generation !== generation;
    try {
      for (;;) {
        if (stale()) return;
        if (mirror.epoch !== epoch) {
          sendFresh(ws, conn, false);
          return;
        }
        const plan = mirror.resume(after);
        if (plan.kind === 'current' || plan.kind === 'ring') {
          ws.cork(() => {
            if (plan.kind === 'ring') sendEntries(ws, conn, plan.entries);
            goLive(ws, conn);
          });
          return;
        }
        if (plan.kind !== 'older' || replayed >= deps.resumeMaxEvents) {
          sendFresh(ws, conn, false);
          return;
        }
        metrics.streamReads.inc();
        const batch: StoredEvent[] = await eventLog.replay(after, STREAM_BATCH);
        if (stale()) return;
        if (mirror.epoch !== epoch || batch.length === 0 || batch[0]?.prev !== after) {
          // Trimmed from the stream (or the log was replaced): state, not history.
          sendFresh(ws, conn, false);
          return;
        }
        const test = conn.view.all ? null : conn.view.test;
        const epochJson = JSON.stringify(epoch);
        ws.cork(() => {
          for (const stored of batch) {
            if (compareOffsets(stored.offset, mirror.offset) > 0) break;
            if (stored.prev !== after) break;
            if (test === null || test(stored.event.mcp_name)) {
              send(ws, wireJson(stored.event, stored.offset, epochJson));
            }
            after = stored.offset;
            replayed++;
          }
        });
      }
    } catch (err) {
      if (stale()) return;
      log.warn({ err, since }, 'resume from the stream failed; sending a fresh initial_status');
      sendFresh(ws, conn, false);
    }
  }

  return resume;
}
