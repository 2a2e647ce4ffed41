// What the fleet's two views (table rows and cards) share about one item: its props, the data
// attributes naming its MCP, status and circuit (styles and tests select on them), and the
// message shown when filters leave nothing.
import type { McpStatus } from '@beacon/protocol';
import type { KeyboardEvent } from 'react';
import type { RowUptime } from './uptime-badges.js';

export interface FleetItemProps {
  readonly row: McpStatus;
  /** Position in the whole (filtered, sorted) fleet, not in the window. */
  readonly index: number;
  readonly selected: boolean;
  /** Its 24 h / 30 d uptime figures (undefined until loaded). */
  readonly uptime: RowUptime | undefined;
  readonly onOpen: (name: string) => void;
  readonly onKeyDown: (e: KeyboardEvent, index: number) => void;
}

export const fleetItemData = (row: McpStatus) =>
  ({
    'data-mcp': row.name,
    'data-status': row.health_status,
    'data-circuit': row.circuit_state,
  }) as const;

export function NoMatches() {
  return <p className="empty">No MCP matches these filters.</p>;
}
