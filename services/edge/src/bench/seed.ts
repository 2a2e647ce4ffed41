// Seed-shaped fleet traffic for benchmarks and tests: registrations of `mcp-0000…` and the
// `mcp_status_change` events a registry emits (status, previous status, latency, tools count,
// circuit state, failure cycles, error), cycling through realistic transitions.
import type { HealthStatus, LogEventInput } from '@beacon/protocol';

export const mcpName = (i: number): string => `mcp-${String(i).padStart(4, '0')}`;

export function registration(name: string, port = 7200): LogEventInput {
  return {
    type: 'mcp_registered',
    mcp_name: name,
    timestamp: new Date().toISOString(),
    actor: 'bench',
    config: {
      name,
      transport: { type: 'streamable-http', url: `http://127.0.0.1:${port}/${name}/mcp` },
      probe_interval_ms: 10_000,
      timeout_ms: 5_000,
      tags: ['bench'],
    },
  };
}

const CYCLE: readonly HealthStatus[] = ['healthy', 'unhealthy', 'healthy', 'disconnected'];

/** The `seq`-th status change of MCP `name` (deterministic, so runs are comparable). */
export function statusChange(name: string, seq: number): LogEventInput {
  const status = CYCLE[seq % CYCLE.length] as HealthStatus;
  const previous = CYCLE[(seq + CYCLE.length - 1) % CYCLE.length] as HealthStatus;
  const now = new Date().toISOString();
  const failing = status !== 'healthy';
  return {
    type: 'mcp_status_change',
    mcp_name: name,
    status,
    timestamp: now,
    actor: 'registry',
    metadata: {
      previous_status: previous,
      latency_ms: failing ? null : 20 + (seq % 180),
      tools_count: failing ? null : 4 + (seq % 8),
      error:
        status === 'unhealthy'
          ? 'MCP error -32603: upstream timed out'
          : status === 'disconnected'
            ? 'connect ECONNREFUSED'
            : null,
      circuit_state: 'closed',
      failure_cycles: failing ? 1 + (seq % 3) : 0,
      checked_at: now,
      reason: 'probe',
    },
  };
}
