// HTTP calls the dashboard makes: who-am-I, event history, admin writes (edge) and the demo fleet's
// fault switches (demo-mcp control API). Every answer is validated; failures become ApiError with
// the server's own message so the UI can show it verbatim.
import {
  ChannelsResponse,
  HistoryResponse,
  RulesResponse,
  SilencesResponse,
  TestChannelResponse,
  type ChannelView,
  type DeliveryRecord,
  type DeliveryResult,
  type AlertRule,
  type Silence,
  EventsBackwardResponse,
  FleetUptimeResponse,
  IncidentsResponse,
  McpListResponse,
  UptimeResponse,
  type UptimeWindow,
  ProbeNowResponse,
  SessionResponse,
  type EventsBackwardResponse as EventsPage,
  type LogEvent,
  type McpStatus,
} from '@beacon/protocol';
import { z } from 'zod';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** `GET /api/session` as the edge sends it (the contract lives in @beacon/protocol). */
export type Session = SessionResponse;

export interface HistoryEntry {
  readonly offset: string;
  readonly event: LogEvent;
}

/**
 * Requests one history load may make. Each reads at most a few thousand log entries on the edge
 * (newest first), so a rare MCP's recent events are found without paging the whole log.
 */
const HISTORY_PAGES = 10;

export type CircuitAction = 'force_open' | 'force_closed' | 'reset';

export interface Api {
  session(): Promise<Session>;
  history(mcp: string, limit: number): Promise<HistoryEntry[]>;
  register(config: unknown): Promise<unknown>;
  update(name: string, patch: unknown): Promise<unknown>;
  remove(name: string): Promise<unknown>;
  circuit(name: string, action: CircuitAction): Promise<unknown>;
  /** Recheck now: one probe at once; its result and the row after it. */
  probe(name: string): Promise<ProbeNowResponse>;
  fleet(): Promise<McpStatus[]>;
  alerts: AlertsApi;
  uptime: UptimeApi;
}

/** Incident list filters, as `/api/incidents` takes them (all optional). */
export interface IncidentQuery {
  /** Comma-separated MCP name globs. */
  readonly mcp?: string;
  readonly state?: 'open' | 'resolved';
  readonly from?: string;
  readonly to?: string;
  readonly min_duration?: number;
  readonly limit?: number;
  /** The previous page's `next` (the edge's cursor). */
  readonly next?: string;
}

/** Uptime history and incidents (`/api/uptime`, `/api/mcps/:name/uptime`, `/api/incidents`). */
export interface UptimeApi {
  fleet(window: UptimeWindow): Promise<FleetUptimeResponse>;
  mcp(name: string, window: UptimeWindow): Promise<UptimeResponse>;
  incidents(query: IncidentQuery): Promise<IncidentsResponse>;
  /** The incidents of one MCP, newest first. */
  incidentsOf(name: string, limit: number): Promise<IncidentsResponse>;
  /**
   * The same list as CSV (`Accept: text/csv`), for a download: pages of CSV_PAGE followed through
   * the edge's `x-beacon-next` header, CSV_PAGES at most, one header line.
   */
  incidentsCsv(query: IncidentQuery): Promise<Blob>;
}

export const CSV_PAGE = 1_000;
export const CSV_PAGES = 20;

export function incidentSearch(query: IncidentQuery): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === '') continue;
    q.set(k, String(v));
  }
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

export type AlertKind = 'channels' | 'rules' | 'silences';

/** `/api/alerts/*` (admin only): reads validated with the protocol's answers. */
export interface AlertsApi {
  channels(): Promise<ChannelView[]>;
  rules(): Promise<AlertRule[]>;
  silences(): Promise<Silence[]>;
  history(limit: number): Promise<DeliveryRecord[]>;
  /** Create (`id` null) or replace. */
  save(kind: AlertKind, id: string | null, body: unknown): Promise<unknown>;
  remove(kind: AlertKind, id: string): Promise<unknown>;
  test(channel: string): Promise<DeliveryResult>;
}

async function errorMessage(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown };
    const e = body.error;
    if (typeof e === 'string') return e;
    if (typeof e === 'object' && e !== null && 'message' in e) return String(e.message);
    if (typeof body.message === 'string') return body.message;
  } catch {
    // Not JSON: fall through to the raw text.
  }
  return text.trim() || `${res.status} ${res.statusText}`;
}

export function createApi(base: string, getToken: () => string | null): Api {
  const send = async (
    method: string,
    path: string,
    body?: unknown,
    accept = 'application/json',
  ): Promise<Response> => {
    const headers: Record<string, string> = { accept };
    const token = getToken();
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(new URL(path, base), {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new ApiError(0, `edge unreachable: ${String(error)}`);
    }
    if (!res.ok) throw new ApiError(res.status, await errorMessage(res));
    return res;
  };
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await send(method, path, body);
    if (res.status === 204) return null;
    return res.json();
  };

  const events = async (query: Record<string, string>): Promise<EventsPage> => {
    const q = new URLSearchParams(query);
    const parsed = EventsBackwardResponse.safeParse(
      await call('GET', `/api/events?${q.toString()}`),
    );
    if (!parsed.success) {
      throw new ApiError(200, `unexpected /api/events answer: ${parsed.error.message}`);
    }
    return parsed.data;
  };

  const read = async <T>(
    schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } },
    path: string,
  ): Promise<T> => {
    const parsed = schema.safeParse(await call('GET', path));
    if (!parsed.success) throw new ApiError(200, `unexpected ${path} answer`);
    return parsed.data;
  };
  const alerts: AlertsApi = {
    channels: async () => (await read(ChannelsResponse, '/api/alerts/channels')).channels,
    rules: async () => (await read(RulesResponse, '/api/alerts/rules')).rules,
    silences: async () => (await read(SilencesResponse, '/api/alerts/silences')).silences,
    history: async (limit) =>
      (await read(HistoryResponse, `/api/alerts/history?limit=${limit}`)).records,
    save: (kind, id, body) =>
      id === null
        ? call('POST', `/api/alerts/${kind}`, body)
        : call('PUT', `/api/alerts/${kind}/${encodeURIComponent(id)}`, body),
    remove: (kind, id) => call('DELETE', `/api/alerts/${kind}/${encodeURIComponent(id)}`),
    async test(channel) {
      const parsed = TestChannelResponse.safeParse(
        await call('POST', `/api/alerts/channels/${encodeURIComponent(channel)}/test`),
      );
      if (!parsed.success) throw new ApiError(200, 'unexpected channel test answer');
      return parsed.data.delivery;
    },
  };

  const uptime: UptimeApi = {
    fleet: (window) => read(FleetUptimeResponse, `/api/uptime?window=${window}`),
    mcp: (name, window) =>
      read(UptimeResponse, `/api/mcps/${encodeURIComponent(name)}/uptime?window=${window}`),
    incidents: (query) => read(IncidentsResponse, `/api/incidents${incidentSearch(query)}`),
    incidentsOf: (name, limit) =>
      read(IncidentsResponse, `/api/mcps/${encodeURIComponent(name)}/incidents?limit=${limit}`),
    async incidentsCsv(query) {
      const parts: string[] = [];
      let next: string | undefined;
      for (let page = 0; page < CSV_PAGES; page++) {
        const q = { ...query, limit: CSV_PAGE, ...(next === undefined ? {} : { next }) };
        const res = await send('GET', `/api/incidents${incidentSearch(q)}`, undefined, 'text/csv');
        const text = await res.text();
        // Every page starts with the header line; keep the first page's only.
        parts.push(page === 0 ? text : text.slice(text.indexOf('\n') + 1));
        next = res.headers.get('x-beacon-next') ?? undefined;
        if (next === undefined || next === '') break;
      }
      return new Blob(parts, { type: 'text/csv' });
    },
  };

  return {
    alerts,
    uptime,
    async session() {
      return SessionResponse.parse(await call('GET', '/api/session'));
    },
    async history(mcp, limit) {
      // Newest first from the head of the log, following the edge's cursor while it says more.
      const newest: HistoryEntry[] = [];
      let before = 'latest';
      for (let page = 0; page < HISTORY_PAGES && newest.length < limit; page++) {
        const body = await events({ mcp, before, limit: String(limit - newest.length) });
        // Each event as the WebSocket delivers it live (offset and epoch included).
        newest.push(...body.events.map((event) => ({ offset: event.offset, event })));
        if (!body.more || body.next_before === null) break;
        before = body.next_before;
      }
      // Oldest first, as the detail view lists and extends it with live events.
      return newest.reverse();
    },
    register: (config) => call('POST', '/api/mcps', config),
    update: (name, patch) => call('PATCH', `/api/mcps/${encodeURIComponent(name)}`, patch),
    remove: (name) => call('DELETE', `/api/mcps/${encodeURIComponent(name)}`),
    circuit: (name, action) =>
      call('POST', `/api/mcps/${encodeURIComponent(name)}/circuit`, { action }),
    async probe(name) {
      const parsed = ProbeNowResponse.safeParse(
        await call('POST', `/api/mcps/${encodeURIComponent(name)}/probe`, {}),
      );
      if (!parsed.success) throw new ApiError(200, 'unexpected probe answer');
      return parsed.data;
    },
    async fleet() {
      const parsed = McpListResponse.safeParse(await call('GET', '/api/mcps'));
      if (!parsed.success) throw new ApiError(200, 'unexpected /api/mcps answer');
      return parsed.data.mcps;
    },
  };
}

export const DemoServer = z
  .object({
    name: z.string(),
    url: z.string(),
    fault: z.object({ mode: z.string() }).loose(),
    effective: z.string().optional(),
    listening: z.boolean().optional(),
  })
  .loose();
export type DemoServer = z.infer<typeof DemoServer>;
export const FAULT_MODES = ['ok', 'down', 'slow', 'error', 'flap'] as const;
export type FaultMode = (typeof FAULT_MODES)[number];

/** The demo fleet's control API (services/demo-mcp): list servers, flip fault switches. */
export function createDemoApi(controlUrl: string): {
  servers(): Promise<DemoServer[]>;
  setFault(name: string, mode: FaultMode): Promise<void>;
} {
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    let res: Response;
    try {
      res = await fetch(new URL(path, controlUrl), {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new ApiError(0, `demo control API unreachable at ${controlUrl}: ${String(error)}`);
    }
    if (!res.ok) throw new ApiError(res.status, await errorMessage(res));
    return res.json();
  };
  return {
    async servers() {
      const body = z.object({ servers: z.array(DemoServer) }).parse(await call('GET', '/servers'));
      return body.servers;
    },
    async setFault(name, mode) {
      await call('POST', `/servers/${encodeURIComponent(name)}/fault`, { mode });
    },
  };
}
