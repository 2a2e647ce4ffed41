// Per-socket state kept in uWS user data, and the topic names the edge publishes on.
import type { WebSocket } from 'uWebSockets.js';
import type { Principal } from './auth.js';
import type { CloseReason } from './edge-metrics.js';
import type { Selection, View } from './selection.js';

/** Every event, for connections that see the whole fleet. */
export const FLEET = 'fleet';
/** Non-replayable broadcasts every connection gets: JSON ping. */
export const ALL = 'all';
/** Fleet-wide system_metrics: only tokens without an `mcps` claim (scoped ones get their own). */
export const METRICS = 'metrics';
export const mcpTopic = (name: string): string => `mcp/${name}`;

export interface ConnData {
  readonly id: number;
  principal: Principal;
  selection: Selection;
  view: View;
  /** Topics subscribed (ALL and event topics); empty until the connection is live. */
  topics: Set<string>;
  /** `since`/`epoch` from the upgrade URL, when resuming. */
  readonly resume: { readonly since: string; readonly epoch: string } | null;
  open: boolean;
  /** Subscribed to its event topics (false during a catch-up from the stream). */
  live: boolean;
  /** Has been sent the latest system_metrics (once, when it first went live). */
  greeted: boolean;
  /** Bumped to abandon an in-flight catch-up (the view changed, or the mirror was replaced). */
  generation: number;
  badFrames: number;
  windowStart: number;
  windowCount: number;
  slowStrikes: number;
  closeReason: CloseReason | null;
}

export type Ws = WebSocket<ConnData>;
