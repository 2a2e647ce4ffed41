// Uptime % badges (24 h and 30 d) on the fleet's cards and table rows. Both windows are read for
// the whole fleet on load and every minute: uptime moves slowly, and the live status stays on the
// WebSocket. Colour is never the only signal: the text carries the figure, the title the downtime.
import type { UptimeSummary, UptimeWindow } from '@beacon/protocol';
import { memo, useEffect, useState } from 'react';
import type { UptimeApi } from '../api.js';
import { availabilityLevel, formatAvailability, uptimeTitle } from '../uptime-view.js';

export const UPTIME_REFRESH_MS = 60_000;

/** One MCP's badge figures; a window is missing until loaded (or when the edge has none). */
export interface RowUptime {
  readonly day?: UptimeSummary | undefined;
  readonly month?: UptimeSummary | undefined;
}

export interface FleetUptime {
  readonly byName: ReadonlyMap<string, RowUptime>;
  readonly error: string | null;
}

const EMPTY: FleetUptime = { byName: new Map(), error: null };

/** `GET /api/uptime` for 24h and 30d, now and every UPTIME_REFRESH_MS. */
export function useFleetUptime(api: UptimeApi): FleetUptime {
  const [state, setState] = useState<FleetUptime>(EMPTY);
  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = (): void => {
      Promise.all([api.fleet('24h'), api.fleet('30d')]).then(
        ([day, month]) => {
          if (cancelled) return;
          const byName = new Map<string, { day?: UptimeSummary; month?: UptimeSummary }>();
          for (const s of day.mcps) byName.set(s.mcp_name, { day: s });
          for (const s of month.mcps)
            byName.set(s.mcp_name, { ...byName.get(s.mcp_name), month: s });
          setState({ byName, error: null });
        },
        (err: unknown) => {
          if (cancelled) return;
          // Keep the last figures on screen; say why they are not refreshing.
          setState((s) => ({ ...s, error: err instanceof Error ? err.message : String(err) }));
        },
      );
      timer = setTimeout(load, UPTIME_REFRESH_MS);
    };
    load();
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [api]);
  return state;
}

const WINDOW_LABEL: Readonly<Record<UptimeWindow, string>> = {
  '24h': '24 h',
  '7d': '7 d',
  '30d': '30 d',
  '90d': '90 d',
  '365d': '365 d',
};

export const UptimeBadge = memo(function UptimeBadge({
  window,
  figures,
  compact = false,
}: {
  window: UptimeWindow;
  figures: UptimeSummary | undefined;
  /** Without the window's name (a table column's header says it). */
  compact?: boolean;
}) {
  const availability = figures?.availability ?? null;
  const text = formatAvailability(availability);
  const title =
    figures === undefined
      ? `${WINDOW_LABEL[window]}: not loaded`
      : uptimeTitle(`Last ${WINDOW_LABEL[window]}`, figures);
  return (
    <span
      className={`badge uptime uptime-${availabilityLevel(availability)}`}
      data-uptime={window}
      data-availability={availability ?? ''}
      title={title}
    >
      <span className={compact ? 'visually-hidden' : 'uptime-window'}>{WINDOW_LABEL[window]} </span>
      <span className="uptime-value">{text}</span>
    </span>
  );
});

export const UptimeBadges = memo(function UptimeBadges({
  uptime,
}: {
  uptime: RowUptime | undefined;
}) {
  return (
    <span className="uptime-badges">
      <UptimeBadge window="24h" figures={uptime?.day} />
      <UptimeBadge window="30d" figures={uptime?.month} />
    </span>
  );
});
