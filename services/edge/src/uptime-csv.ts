// CSV exports of the uptime answers (RFC 4180: CRLF lines, fields with `"`, `,`, CR or LF quoted,
// quotes doubled), and when a client prefers CSV over JSON. Cells that a spreadsheet would run as
// a formula (starting with = + - @ tab or CR) get a leading `'`: first_error, actors and ids come
// from MCP servers and admins, i.e. they are hostile.
import {
  UPTIME_CATEGORIES,
  type Incident,
  type UptimeFigures,
  type UptimeResponse,
  type UptimeSummary,
} from '@beacon/protocol';

export const CSV_TYPE = 'text/csv; charset=utf-8';

const FORMULA_START = new Set(['=', '+', '-', '@', '\t', '\r']);

export function csvCell(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v !== 'string') return String(v);
  const s = v.length > 0 && FORMULA_START.has(v[0]!) ? `'${v}` : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const line = (cells: readonly (string | number | boolean | null | undefined)[]): string =>
  cells.map(csvCell).join(',');
const lines = (rows: readonly string[]): string => `${rows.join('\r\n')}\r\n`;

const FIGURE_HEADER = [
  'availability',
  'uptime_s',
  'downtime_s',
  'maintenance_s',
  'observed_s',
  ...UPTIME_CATEGORIES.map((c) => `${c}_s`),
  'probes',
  'failures',
  'latency_p50_ms',
  'latency_p95_ms',
  'latency_max_ms',
];

const figureCells = (f: UptimeFigures) => [
  f.availability,
  f.uptime_s,
  f.downtime_s,
  f.maintenance_s,
  f.observed_s,
  ...UPTIME_CATEGORIES.map((c) => f.seconds[c]),
  f.probes,
  f.failures,
  f.latency_ms.p50,
  f.latency_ms.p95,
  f.latency_ms.max,
];

/** One row per series bucket. */
export function uptimeCsv(r: UptimeResponse): string {
  return lines([
    line(['start', 'end', ...FIGURE_HEADER]),
    ...r.series.map((b) => line([b.start, b.end, ...figureCells(b)])),
  ]);
}

/** One row per MCP. */
export function fleetUptimeCsv(rows: readonly UptimeSummary[]): string {
  return lines([
    line(['mcp_name', 'window', 'from', 'to', ...FIGURE_HEADER, 'incidents']),
    ...rows.map((s) => line([s.mcp_name, s.window, s.from, s.to, ...figureCells(s), s.incidents])),
  ]);
}

/** One row per incident; actions as `actor:action;…`. */
export function incidentsCsv(rows: readonly Incident[]): string {
  return lines([
    line([
      'id',
      'mcp_name',
      'state',
      'started_at',
      'ended_at',
      'duration_s',
      'end_reason',
      'statuses',
      'first_error',
      'health_reason',
      'circuit_openings',
      'auto_disabled',
      'actions',
    ]),
    ...rows.map((i) =>
      line([
        i.id,
        i.mcp_name,
        i.state,
        i.started_at,
        i.ended_at,
        i.duration_s,
        i.end_reason,
        i.statuses.join(';'),
        i.first_error,
        i.health_reason,
        i.circuit_openings,
        i.auto_disabled,
        i.actions.map((a) => `${a.actor}:${a.action}`).join(';'),
      ]),
    ),
  ]);
}

/** Quality of `type` in an Accept header (exact ranges only); 0 when absent or refused. */
function quality(accept: string, type: string): { q: number; at: number } {
  const ranges = accept.split(',');
  for (let i = 0; i < ranges.length && i < 64; i++) {
    const [media, ...params] = ranges[i]!.split(';');
    if (media?.trim().toLowerCase() !== type) continue;
    let q = 1;
    for (const p of params) {
      const [name, value] = p.split('=');
      if (name?.trim().toLowerCase() === 'q') {
        const n = Number(value?.trim());
        q = Number.isFinite(n) && n >= 0 && n <= 1 ? n : 0;
      }
    }
    return { q, at: i };
  }
  return { q: 0, at: Infinity };
}

/** True when the client asked for `text/csv` and likes it better than JSON (ties: first named). */
export function prefersCsv(accept: string): boolean {
  if (accept === '' || accept.length > 4_096) return false;
  const csv = quality(accept, 'text/csv');
  if (csv.q === 0) return false;
  const json = quality(accept, 'application/json');
  return csv.q > json.q || (csv.q === json.q && csv.at < json.at);
}
