// What the fleet overview shows: filtering (status, circuit, tag, name search) and sorting of the
// rows the client holds. Pure, so it is unit-tested and memoized on the fleet version.
import {
  globMatcher,
  type CircuitState,
  type HealthStatus,
  type McpStatus,
} from '@beacon/protocol';

export const STATUSES: readonly HealthStatus[] = [
  'unhealthy',
  'disconnected',
  'unknown',
  'inactive',
  'healthy',
];
export const CIRCUITS: readonly CircuitState[] = ['open', 'half_open', 'closed'];

export type SortKey = 'severity' | 'name' | 'latency' | 'checked' | 'failures' | 'circuit';
export const SORT_LABELS: Readonly<Record<SortKey, string>> = {
  severity: 'Severity',
  name: 'Name',
  latency: 'Latency',
  checked: 'Last check',
  failures: 'Failure cycles',
  circuit: 'Circuit',
};

export interface FleetFilter {
  readonly search: string;
  readonly status: HealthStatus | 'all';
  readonly circuit: CircuitState | 'all';
  /** A tag name, or 'all'. */
  readonly tag: string;
  readonly sort: SortKey;
  readonly descending: boolean;
}

export const DEFAULT_FILTER: FleetFilter = {
  search: '',
  status: 'all',
  circuit: 'all',
  tag: 'all',
  sort: 'severity',
  descending: false,
};

/** Lower = worse = shown first in the default sort. */
const STATUS_RANK: Readonly<Record<HealthStatus, number>> = {
  unhealthy: 0,
  disconnected: 1,
  unknown: 2,
  inactive: 3,
  healthy: 4,
};
const CIRCUIT_RANK: Readonly<Record<CircuitState, number>> = { open: 0, half_open: 1, closed: 2 };

/** `*` acts as a wildcard; otherwise a case-insensitive substring of the name. */
export function nameMatcher(search: string): (name: string) => boolean {
  const s = search.trim().toLowerCase();
  if (s === '') return () => true;
  if (!s.includes('*')) return (name) => name.toLowerCase().includes(s);
  // The edge's glob matcher, not a RegExp: `^.*.*…x$` typed into the box would backtrack.
  const glob = globMatcher(s);
  return (name) => glob(name.toLowerCase());
}

function severity(row: McpStatus): number {
  // An open circuit is as urgent as a failing probe, whatever the health status says.
  const circuit = row.circuit_state === 'open' ? 0 : row.circuit_state === 'half_open' ? 1.5 : 9;
  return Math.min(STATUS_RANK[row.health_status], circuit);
}

const byName = (a: McpStatus, b: McpStatus): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

function comparator(key: SortKey): (a: McpStatus, b: McpStatus) => number {
  switch (key) {
    case 'severity':
      return (a, b) => severity(a) - severity(b) || byName(a, b);
    case 'name':
      return byName;
    case 'latency':
      // Unknown latency sorts last either way round: it is "no number", not "fast".
      return (a, b) => (a.latency_ms ?? Infinity) - (b.latency_ms ?? Infinity) || byName(a, b);
    case 'checked':
      return (a, b) =>
        (b.last_health_check ?? '').localeCompare(a.last_health_check ?? '') || byName(a, b);
    case 'failures':
      return (a, b) => b.failure_cycles - a.failure_cycles || byName(a, b);
    case 'circuit':
      return (a, b) =>
        CIRCUIT_RANK[a.circuit_state] - CIRCUIT_RANK[b.circuit_state] || byName(a, b);
  }
}

export function viewFleet(rows: Iterable<McpStatus>, filter: FleetFilter): McpStatus[] {
  const match = nameMatcher(filter.search);
  const out: McpStatus[] = [];
  for (const row of rows) {
    if (filter.status !== 'all' && row.health_status !== filter.status) continue;
    if (filter.circuit !== 'all' && row.circuit_state !== filter.circuit) continue;
    if (filter.tag !== 'all' && !row.tags.includes(filter.tag)) continue;
    if (!match(row.name)) continue;
    out.push(row);
  }
  const cmp = comparator(filter.sort);
  out.sort(filter.descending ? (a, b) => cmp(b, a) : cmp);
  return out;
}

export function allTags(rows: Iterable<McpStatus>): string[] {
  const tags = new Set<string>();
  for (const row of rows) for (const t of row.tags) tags.add(t);
  return [...tags].sort();
}

export interface FleetCounts {
  readonly total: number;
  readonly byStatus: Readonly<Record<HealthStatus, number>>;
  readonly open: number;
  readonly halfOpen: number;
  readonly autoDisabled: number;
}

/** Counts from the rows this dashboard holds (the summary bar prefers system_metrics). */
export function countFleet(rows: Iterable<McpStatus>): FleetCounts {
  const byStatus = { healthy: 0, unhealthy: 0, disconnected: 0, inactive: 0, unknown: 0 };
  let total = 0;
  let open = 0;
  let halfOpen = 0;
  let autoDisabled = 0;
  for (const r of rows) {
    total += 1;
    byStatus[r.health_status] += 1;
    if (r.circuit_state === 'open') open += 1;
    if (r.circuit_state === 'half_open') halfOpen += 1;
    if (r.auto_disabled) autoDisabled += 1;
  }
  return { total, byStatus, open, halfOpen, autoDisabled };
}
