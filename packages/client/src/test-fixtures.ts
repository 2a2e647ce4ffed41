// Real protocol messages for the client's tests, built and validated with @beacon/protocol's own
// schemas so a test can never drift from the wire format. Not exported from the package.
import { ServerMessage, type McpStatus } from '@beacon/protocol';

export const EPOCH = 'epoch-test-1';
const TS = '2025-01-01T00:00:00.000Z';

export function row(name: string, patch: Partial<McpStatus> = {}): McpStatus {
  return {
    name,
    health_status: 'healthy',
    circuit_state: 'closed',
    last_health_check: TS,
    enabled: true,
    latency_ms: 12,
    tools_count: 3,
    failure_cycles: 0,
    last_error: null,
    auto_disabled: false,
    tags: ['demo'],
    ...patch,
  };
}

/** Parse through `ServerMessage` exactly as the client does with a frame. */
export function wire(message: Record<string, unknown>): ServerMessage {
  return ServerMessage.parse(JSON.parse(JSON.stringify(message)));
}

export function initial(
  offset: string,
  mcps: McpStatus[],
  extra: { epoch?: string; recovered?: boolean } = {},
): Record<string, unknown> {
  return {
    type: 'initial_status',
    mcps,
    timestamp: TS,
    offset,
    epoch: extra.epoch ?? EPOCH,
    ...extra,
  };
}

export function statusChange(
  offset: string,
  name: string,
  status: string,
  metadata: Record<string, unknown> = {},
  epoch = EPOCH,
): Record<string, unknown> {
  return {
    type: 'mcp_status_change',
    mcp_name: name,
    status,
    metadata,
    timestamp: TS,
    offset,
    epoch,
  };
}

export function healthEvent(
  offset: string,
  name: string,
  eventType: string,
  data: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    type: 'health_event',
    mcp_name: name,
    event_type: eventType,
    data,
    timestamp: TS,
    offset,
    epoch: EPOCH,
  };
}

export function registered(
  offset: string,
  name: string,
  tags: string[] = [],
): Record<string, unknown> {
  return {
    type: 'mcp_registered',
    mcp_name: name,
    config: {
      name,
      transport: { type: 'streamable-http', url: `http://127.0.0.1:9/${name}` },
      tags,
    },
    timestamp: TS,
    offset,
    epoch: EPOCH,
  };
}

export function removed(offset: string, name: string): Record<string, unknown> {
  return { type: 'mcp_removed', mcp_name: name, timestamp: TS, offset, epoch: EPOCH };
}

export function probeDigest(
  probes: { name: string; checked_at: string; latency_ms: number | null; ok: boolean }[],
): Record<string, unknown> {
  return { type: 'probe_digest', probes, timestamp: TS };
}
