// The public shape of the event log. Implementation: event-log.ts (append/snapshot/replay),
// subscription.ts (live subscription with gap repair), lease.ts (leader election + fencing).
import type {
  CommandResult,
  Keyspace,
  KeyspaceOptions,
  LogEventInput,
  McpStatus,
  ProbeDigestMessage,
  StoredEvent,
  SystemMetricsMessage,
} from '@beacon/protocol';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';

export type RedisClient = Redis | Cluster;

export interface EventLogOptions extends KeyspaceOptions {
  /** Approximate number of events the stream retains (XADD MAXLEN ~). Default 1,000,000. */
  readonly retention?: number;
  readonly logger?: Logger;
}

/** Proof of leadership: the append script refuses events whose fence is no longer current. */
export interface Fence {
  readonly role: string;
  readonly token: string;
}

export interface AppendResult {
  readonly offset: string;
  readonly prev: string;
}

export interface Snapshot {
  readonly epoch: string;
  /** Offset of the last event reflected in `mcps` ("0-0" when the log is empty). */
  readonly offset: string;
  readonly mcps: McpStatus[];
}

/** Non-replayable messages on the side channel (not in the stream). */
export type SideMessage = SystemMetricsMessage | CommandResult | ProbeDigestMessage;

export type SubscriptionState = 'connecting' | 'live' | 'repairing' | 'down' | 'closed';

export interface SubscriptionHandler {
  /**
   * Called first with the starting state, and again whenever continuity is lost for good (epoch
   * changed, or the missing events were trimmed from the stream): replace state, do not merge.
   */
  onSnapshot(snapshot: Snapshot, reason: 'initial' | 'epoch_changed' | 'gap_unrepairable'): void;
  /** Every event after the snapshot, exactly once, in log order. */
  onEvent(event: StoredEvent): void;
  /** A hole was seen (e.g. across a reconnect) and filled from the stream. */
  onGap?(info: {
    readonly after: string;
    readonly before: string;
    readonly repaired: number;
  }): void;
  /** A message on the bus that failed validation; it was dropped. */
  onInvalid?(raw: string, error: Error): void;
  onSide?(message: SideMessage): void;
  onState?(state: SubscriptionState): void;
  /** Each periodic catch-up check (it passes through `repairing` and back to `live`). */
  onCheck?(): void;
}

export interface Subscription {
  /** Last delivered offset. */
  readonly offset: string;
  readonly epoch: string;
  readonly state: SubscriptionState;
  close(): Promise<void>;
}

export interface SubscribeOptions {
  /** Resume after this offset (within `epoch`) instead of starting from a snapshot. */
  readonly after?: { readonly offset: string; readonly epoch: string };
  /** Connection to use for pub/sub; default: `duplicate()` of the log's client. Closed on close(). */
  readonly subscriber?: RedisClient;
}

export interface EventLog {
  readonly keys: Keyspace;
  readonly redis: RedisClient;
  /** Validate, then atomically: fencing check → XADD → projection → publish. */
  append(event: LogEventInput, fence?: Fence | null): Promise<AppendResult>;
  /**
   * Append several events atomically and contiguously (all or none), under one fence check:
   * for decisions that produce more than one event, so a crash cannot split them.
   */
  appendBatch(events: readonly LogEventInput[], fence?: Fence | null): Promise<AppendResult[]>;
  epoch(): Promise<string>;
  /** Epoch and newest offset, read together. */
  head(): Promise<{ readonly epoch: string; readonly offset: string }>;
  /** Projection + the offset it reflects, read atomically. */
  snapshot(): Promise<Snapshot>;
  /** Offset of the newest event ("0-0" if none). */
  lastOffset(): Promise<string>;
  /** Offset of the oldest retained event, or null when the stream is empty. */
  firstOffset(): Promise<string | null>;
  /** Up to `limit` events strictly after `after`, in order. */
  replay(after: string, limit: number): Promise<StoredEvent[]>;
  /**
   * Up to `limit` events strictly before `before` (null = the newest), newest first: for
   * "recent history" views that must not page through the whole log.
   */
  replayBackward(before: string | null, limit: number): Promise<StoredEvent[]>;
  /** Events strictly after `after` (default: all retained), in order, read in batches. */
  history(
    after?: string,
    options?: { readonly batch?: number; readonly until?: string },
  ): AsyncIterable<StoredEvent>;
  subscribe(handler: SubscriptionHandler, options?: SubscribeOptions): Promise<Subscription>;
  /** Publish a non-replayable message (system_metrics is also kept as the latest value). */
  publishSide(message: SideMessage): Promise<void>;
  latestMetrics(): Promise<SystemMetricsMessage | null>;
  lease(role: string, options?: LeaseOptions): Lease;
}

export interface LeaseOptions {
  /** Lease time-to-live; a standby takes over at most this long after the leader dies. */
  readonly ttlMs?: number;
  /** Identifies this process in logs and in the lease value. */
  readonly holder?: string;
}

export interface Lease {
  /** Current fence while leader, else null. */
  readonly fence: Fence | null;
  /** Try to become (or stay) leader once; returns the fence or null. */
  tryAcquire(): Promise<Fence | null>;
  /**
   * Campaign until stopped: acquire, renew every ttl/3, call `onAcquired` when leadership starts
   * and `onLost` when it ends (renewal failed or lease taken). The signal aborts on loss.
   */
  campaign(callbacks: {
    onAcquired(fence: Fence, signal: AbortSignal): void | Promise<void>;
    onLost?(fence: Fence): void | Promise<void>;
  }): void;
  /** Stop campaigning and release the lease if held. */
  stop(): Promise<void>;
}
