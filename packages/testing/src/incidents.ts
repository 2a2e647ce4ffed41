// Incident fixtures for the uptime tests (edge and dashboard): a whole `Incident` as the notifier
// stores it, so a test names only the fields it is about. Keys come in the schema's order, as
// the projector writes them.
import type { Incident } from '@beacon/protocol';

/** A plain open incident (one `unhealthy` status, no error, no openings, no actions), `over` on top. */
export function incidentFixture(
  over: Partial<Incident> & Pick<Incident, 'id' | 'mcp_name' | 'started_at'>,
): Incident {
  const { id, mcp_name, started_at, ...rest } = over;
  return {
    id,
    mcp_name,
    started_at,
    ended_at: null,
    duration_s: 0,
    state: 'open',
    end_reason: null,
    statuses: ['unhealthy'],
    first_error: null,
    health_reason: null,
    circuit_openings: 0,
    auto_disabled: false,
    actions: [],
    ...rest,
  };
}

/**
 * Incident `n` of `mcp` (id `<mcp>@<n>-0`) from `start` to `end`, epoch ms; `end` null keeps it
 * open, else it is resolved (recovered) with its duration. `extra` goes on top.
 */
export function incidentBetween(
  mcp: string,
  n: number,
  start: number,
  end: number | null,
  extra: Partial<Incident> = {},
): Incident {
  return incidentFixture({
    id: `${mcp}@${n}-0`,
    mcp_name: mcp,
    started_at: new Date(start).toISOString(),
    ...(end === null
      ? {}
      : {
          ended_at: new Date(end).toISOString(),
          duration_s: (end - start) / 1000,
          state: 'resolved',
          end_reason: 'recovered',
        }),
    ...extra,
  });
}
