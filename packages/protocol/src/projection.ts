// How each log event changes the projection (current state per MCP). The same patch is applied
// by the append Lua script in Redis and by in-memory mirrors (edge, client), so they cannot drift.
import type { LogEvent } from './events.js';
import type { McpConfig, McpStatus } from './mcp.js';
import type { ProbeSample } from './messages.js';

export type ProjectionPatch =
  /** Replace the MCP's row entirely (registration). */
  | { readonly op: 'reset'; readonly fields: Readonly<Partial<McpStatus>> }
  /** Set these fields, only if the MCP exists. */
  | { readonly op: 'merge'; readonly fields: Readonly<Partial<McpStatus>> }
  | { readonly op: 'remove' };

export function initialRow(config: McpConfig): McpStatus {
  return {
    name: config.name,
    health_status: config.enabled ? 'unknown' : 'inactive',
    circuit_state: 'closed',
    last_health_check: null,
    enabled: config.enabled,
    latency_ms: null,
    tools_count: null,
    failure_cycles: 0,
    last_error: null,
    auto_disabled: false,
    tags: config.tags,
    config,
    breaker: null,
    health_reason: config.enabled && config.health_check === false ? 'health_check_disabled' : null,
    protocol_version: null,
    tools_hash: null,
  };
}

const CIRCUIT_BY_EVENT = {
  circuit_opened: 'open',
  circuit_half_open: 'half_open',
  circuit_closed: 'closed',
} as const;

export function projectionPatch(event: LogEvent): ProjectionPatch {
  switch (event.type) {
    case 'mcp_registered':
      return { op: 'reset', fields: initialRow(event.config) };
    case 'mcp_updated':
      return {
        op: 'merge',
        fields: { config: event.config, tags: event.config.tags, enabled: event.config.enabled },
      };
    case 'mcp_removed':
      return { op: 'remove' };
    case 'mcp_status_change': {
      const m = event.metadata;
      const f: Partial<McpStatus> = {
        health_status: event.status,
        last_health_check: m.checked_at ?? event.timestamp,
      };
      if (m.latency_ms !== undefined) f.latency_ms = m.latency_ms;
      if (m.tools_count !== undefined) f.tools_count = m.tools_count;
      // metadata.circuit_state is informational (the registry's last known view): only the
      // breaker's health events move the projection's circuit_state, so a status change appended
      // just after a breaker transition can never revert it.
      if (m.failure_cycles !== undefined) f.failure_cycles = m.failure_cycles;
      if (m.enabled !== undefined) f.enabled = m.enabled;
      if (m.auto_disabled !== undefined) f.auto_disabled = m.auto_disabled;
      if (m.error !== undefined) f.last_error = m.error;
      else if (event.status === 'healthy') f.last_error = null;
      if (m.health_reason !== undefined) f.health_reason = m.health_reason;
      else if (event.status === 'healthy') f.health_reason = null;
      if (m.protocol_version !== undefined) f.protocol_version = m.protocol_version;
      if (m.tools_hash !== undefined) f.tools_hash = m.tools_hash;
      return { op: 'merge', fields: f };
    }
    case 'health_event': {
      const f: Partial<McpStatus> = {};
      const t = event.event_type;
      if (t === 'circuit_opened' || t === 'circuit_half_open' || t === 'circuit_closed') {
        f.circuit_state = CIRCUIT_BY_EVENT[t];
      }
      if (event.data.circuit_state !== undefined) f.circuit_state = event.data.circuit_state;
      if (event.data.breaker !== undefined) f.breaker = event.data.breaker;
      if (t === 'auto_disabled') Object.assign(f, { auto_disabled: true, enabled: false });
      if (t === 're_enabled') Object.assign(f, { auto_disabled: false, enabled: true });
      if (t === 'manually_disabled') Object.assign(f, { enabled: false, auto_disabled: false });
      if (t === 'manually_enabled') f.enabled = true;
      // The registry reports a changed tool count without a status change.
      const tools = (event.data as { tools_count?: unknown }).tools_count;
      if (
        t === 'tools_changed' &&
        typeof tools === 'number' &&
        Number.isInteger(tools) &&
        tools >= 0
      ) {
        f.tools_count = tools;
      }
      const hash = (event.data as { tools_hash?: unknown }).tools_hash;
      if (t === 'tools_changed' && typeof hash === 'string' && hash.length <= 128) {
        f.tools_hash = hash;
      }
      return { op: 'merge', fields: f };
    }
  }
}

/**
 * Apply a probe digest to an in-memory projection (mirrors and clients only; the Redis
 * projection moves on status changes). Returns the rows that changed.
 */
export function applyProbeSamples(
  rows: Map<string, McpStatus>,
  samples: readonly ProbeSample[],
): McpStatus[] {
  const changed: McpStatus[] = [];
  for (const s of samples) {
    const current = rows.get(s.name);
    if (current === undefined) continue;
    if (current.last_health_check !== null && current.last_health_check >= s.checked_at) continue;
    const row = {
      ...current,
      last_health_check: s.checked_at,
      latency_ms: s.latency_ms ?? current.latency_ms,
    };
    rows.set(s.name, row);
    changed.push(row);
  }
  return changed;
}

/** Apply an event to an in-memory projection (mutates `rows`); returns the affected row or null. */
export function applyEvent(
  rows: Map<string, McpStatus>,
  event: LogEvent,
  offset: string,
): McpStatus | null {
  const patch = projectionPatch(event);
  const name = event.mcp_name;
  switch (patch.op) {
    case 'remove':
      rows.delete(name);
      return null;
    case 'reset': {
      const row = { ...(patch.fields as McpStatus), updated_offset: offset };
      rows.set(name, row);
      return row;
    }
    case 'merge': {
      const current = rows.get(name);
      if (current === undefined) return null;
      const row = { ...current, ...patch.fields, updated_offset: offset };
      rows.set(name, row);
      return row;
    }
  }
}
