// The edge heartbeat: every edge writes its figures as JSON to a TTL'd key `keys.edge(id)` and to
// the field `id` of the hash `keys.edges` (services/edge/src/heartbeat.ts); the registry reads
// them for system_metrics (services/registry/src/system-metrics.ts). One schema for both sides.
import { z } from 'zod';

const Count = z.number().nonnegative();

export const EdgeHeartbeat = z.object({
  /** The edge's id (`BEACON_EDGE_ID`), also the hash field and the key suffix. */
  id: z.string().min(1),
  /** WebSocket connections open on the edge. */
  connections: Count,
  messages_out: Count,
  bytes_out: Count,
  /** Clients closed as slow consumers. */
  drops: Count,
  ready: z.boolean(),
  /** ISO time the edge started. */
  started_at: z.string(),
  /** ISO time of this heartbeat (leftover hash fields of dead edges are judged by it). */
  at: z.string(),
});
export type EdgeHeartbeat = z.infer<typeof EdgeHeartbeat>;
