// The summary bar: fleet totals from `system_metrics` (the registry's view across all edges),
// falling back to counting this page's own rows until the first metrics message arrives.
import type { SystemMetrics } from '@beacon/protocol';
import { memo } from 'react';
import type { FleetCounts } from '../fleet-view.js';
import { count as fmt } from '../format.js';

interface Tile {
  readonly label: string;
  readonly value: number | undefined;
  readonly tone?: string;
}

export const SummaryBar = memo(function SummaryBar({
  metrics,
  local,
}: {
  metrics: SystemMetrics | null;
  local: FleetCounts;
}) {
  const m = metrics;
  const tiles: Tile[] = [
    { label: 'MCPs', value: m?.total_mcps ?? local.total },
    { label: 'Healthy', value: m?.healthy_mcps ?? local.byStatus.healthy, tone: 'healthy' },
    { label: 'Unhealthy', value: m?.unhealthy_mcps ?? local.byStatus.unhealthy, tone: 'unhealthy' },
    {
      label: 'Disconnected',
      value: m?.disconnected_mcps ?? local.byStatus.disconnected,
      tone: 'disconnected',
    },
    { label: 'Open circuits', value: m?.open_circuits ?? local.open, tone: 'open' },
    {
      label: 'Auto-disabled',
      value: m?.auto_disabled_mcps ?? local.autoDisabled,
      tone: 'inactive',
    },
    { label: 'Edges', value: m?.edges },
    { label: 'Connections', value: m?.connections },
    { label: 'Events/s', value: m === null ? undefined : Math.round(m.events_per_second) },
  ];
  return (
    <section className="summary" aria-label="Fleet summary">
      {tiles.map((t) => (
        <div key={t.label} className={`tile${t.tone ? ` tone-${t.tone}` : ''}`}>
          <div className="tile-value" data-summary={t.label}>
            {fmt(t.value)}
          </div>
          <div className="tile-label">{t.label}</div>
        </div>
      ))}
    </section>
  );
});
