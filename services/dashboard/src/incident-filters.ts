// The Incidents page's filters: what the form holds (strings as typed) and the `/api/incidents`
// query they mean — or the first bad field with a message to show beside it, so a bad range or
// duration never reaches the edge. Pure (the clock is a parameter), unit-tested in
// uptime-view.test.ts.
import { WINDOW_MS } from '@beacon/protocol';
import type { IncidentQuery } from './api.js';
import { patternList } from './uptime-view.js';

export const INCIDENT_RANGES = ['', '24h', '7d', '30d', '90d', 'custom'] as const;
export type IncidentRange = (typeof INCIDENT_RANGES)[number];

export const RANGE_LABELS: Readonly<Record<IncidentRange, string>> = {
  '': 'any time',
  '24h': 'last 24 h',
  '7d': 'last 7 d',
  '30d': 'last 30 d',
  '90d': 'last 90 d',
  custom: 'custom (UTC)…',
};

/** The edge refuses `min_duration` above 1e10 s. */
export const MAX_MIN_DURATION_MIN = Math.floor(1e10 / 60);

export interface IncidentFilterDraft {
  readonly mcp: string;
  readonly state: '' | 'open' | 'resolved';
  readonly range: IncidentRange;
  /** `YYYY-MM-DDTHH:MM[:SS]` as a datetime-local input gives it, read as UTC; '' for open-ended. */
  readonly from: string;
  readonly to: string;
  /** Minimum duration in minutes, as typed; '' for none. */
  readonly minMinutes: string;
}

export const EMPTY_FILTERS: IncidentFilterDraft = {
  mcp: '',
  state: '',
  range: '',
  from: '',
  to: '',
  minMinutes: '',
};

export type FilterField = 'from' | 'to' | 'min_duration';
/** The form's fields an edge 400 may name. */
export type QueryField = FilterField | 'mcp' | 'state';
const QUERY_FIELDS: readonly QueryField[] = ['mcp', 'state', 'from', 'to', 'min_duration'];

/** The query without `limit`/`next` (the page and the CSV download add their own). */
export type IncidentFilterResult =
  | { readonly ok: true; readonly query: IncidentQuery }
  | { readonly ok: false; readonly field: FilterField; readonly message: string };

/** Also what the page says when the number input itself cannot read what was typed ("1e"). */
export const MIN_DURATION_NOT_A_NUMBER = 'Minimum duration must be a number of minutes.';

const bad = (field: FilterField, message: string): IncidentFilterResult => ({
  ok: false,
  field,
  message,
});

const UTC_INPUT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/;

/**
 * A datetime-local value read as UTC → epoch ms; null when it is not one (2026-02-30, 24:00,
 * a year before 1970 or any other text).
 */
export function utcInputToMs(value: string): number | null {
  const m = UTC_INPUT.exec(value.trim());
  if (m === null) return null;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map((p) => Number(p ?? '0')) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (y < 1970 || h > 23 || mi > 59 || s > 59) return null;
  const ms = Number((m[7] ?? '').padEnd(3, '0'));
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const back = new Date(t);
  // Date.UTC rolls an impossible day over into the next month: refuse what does not round-trip.
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) {
    return null;
  }
  return t;
}

/** Epoch ms → the datetime-local value (UTC, to the minute) that reads back as it. */
export function msToUtcInput(t: number): string {
  return new Date(t).toISOString().slice(0, 16);
}

export function incidentFilterQuery(draft: IncidentFilterDraft, now: number): IncidentFilterResult {
  let from: number | undefined;
  let to: number | undefined;
  if (draft.range === 'custom') {
    if (draft.from.trim() !== '') {
      const t = utcInputToMs(draft.from);
      if (t === null) return bad('from', 'From is not a valid date and time (UTC).');
      from = t;
    }
    if (draft.to.trim() !== '') {
      const t = utcInputToMs(draft.to);
      if (t === null) return bad('to', 'To is not a valid date and time (UTC).');
      to = t;
    }
    if (from !== undefined && to !== undefined && !(from < to)) {
      return bad('to', 'To must be after From.');
    }
  } else if (draft.range !== '') {
    from = now - WINDOW_MS[draft.range];
  }

  let minDuration: number | undefined;
  const typed = draft.minMinutes.trim();
  if (typed !== '') {
    const minutes = Number(typed);
    if (!Number.isFinite(minutes)) return bad('min_duration', MIN_DURATION_NOT_A_NUMBER);
    if (minutes < 0) return bad('min_duration', 'Minimum duration must not be negative.');
    if (minutes > MAX_MIN_DURATION_MIN) {
      return bad(
        'min_duration',
        `Minimum duration is at most ${MAX_MIN_DURATION_MIN.toLocaleString('en-US')} minutes.`,
      );
    }
    minDuration = Math.round(minutes * 60);
  }

  const mcp = patternList(draft.mcp);
  return {
    ok: true,
    query: {
      ...(mcp === '' ? {} : { mcp }),
      ...(draft.state === '' ? {} : { state: draft.state }),
      ...(from === undefined ? {} : { from: new Date(from).toISOString() }),
      ...(to === undefined ? {} : { to: new Date(to).toISOString() }),
      ...(minDuration === undefined ? {} : { min_duration: minDuration }),
    },
  };
}

const EDGE_INVALID = /^invalid query: ([a-z_]+)[.:[]/;

/**
 * The form field an edge 400 names ("invalid query: to: must be after from",
 * "invalid query: mcp[0]: …"), null for any other message — so the page can flag the field.
 */
export function fieldOfEdgeError(message: string): QueryField | null {
  const name = EDGE_INVALID.exec(message)?.[1];
  return QUERY_FIELDS.find((f) => f === name) ?? null;
}
