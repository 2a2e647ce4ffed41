// A table of incidents (down periods): the Incidents page lists the fleet's, the detail panel one
// MCP's. Every stored string (first error, actors) is rendered as text, never as HTML.
import type { Incident } from '@beacon/protocol';
import { formatDuration, utcMinute } from '../uptime-view.js';

const STATUS_TEXT: Readonly<Record<Incident['statuses'][number], string>> = {
  unhealthy: 'unhealthy',
  disconnected: 'disconnected',
  auto_disabled: 'auto-disabled',
};

const END_TEXT: Readonly<Record<NonNullable<Incident['end_reason']>, string>> = {
  recovered: 'recovered',
  disabled: 'disabled by an admin',
  removed: 'removed from the fleet',
};

function actionsText(i: Incident): string {
  return i.actions.map((a) => `${a.actor}: ${a.action.replace(/_/g, ' ')}`).join('; ');
}

export function IncidentsTable({
  incidents,
  onOpenMcp,
  showMcp = true,
}: {
  incidents: readonly Incident[];
  /** Opens an MCP's detail view (the MCP column's links). */
  onOpenMcp?: ((name: string) => void) | undefined;
  showMcp?: boolean;
}) {
  return (
    <table className="alerts-table incidents-table">
      <thead>
        <tr>
          <th>Start (UTC)</th>
          <th>End</th>
          <th>Duration</th>
          {showMcp ? <th>MCP</th> : null}
          <th>Statuses</th>
          <th>First error</th>
          <th>Circuit openings</th>
          <th>Actions</th>
        </tr>
      </thead>
      <tbody>
        {incidents.map((i) => (
          <tr key={i.id} data-incident={i.id} data-state={i.state} data-mcp={i.mcp_name}>
            <td>
              <time dateTime={i.started_at}>{utcMinute(i.started_at)}</time>
            </td>
            <td>
              {i.ended_at === null ? (
                <span className="badge status-unhealthy">ongoing</span>
              ) : (
                <>
                  <time dateTime={i.ended_at}>{utcMinute(i.ended_at)}</time>
                  {i.end_reason === null ? null : (
                    <span className="muted"> ({END_TEXT[i.end_reason]})</span>
                  )}
                </>
              )}
            </td>
            <td className="num" data-duration-s={i.duration_s}>
              {formatDuration(i.duration_s)}
            </td>
            {showMcp ? (
              <td>
                {onOpenMcp === undefined ? (
                  i.mcp_name
                ) : (
                  <button type="button" className="link" onClick={() => onOpenMcp(i.mcp_name)}>
                    {i.mcp_name}
                  </button>
                )}
              </td>
            ) : null}
            <td>{i.statuses.map((s) => STATUS_TEXT[s]).join(' → ')}</td>
            <td className="mono incident-error" title={i.first_error ?? ''}>
              {i.first_error ?? '—'}
            </td>
            <td className="num">{i.circuit_openings}</td>
            <td className="incident-actions">{i.actions.length === 0 ? '—' : actionsText(i)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
