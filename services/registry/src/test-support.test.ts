// The transition checker the failover test relies on must catch what it claims to catch.
import type { LogEventInput } from '@beacon/protocol';
import { LogEvent } from '@beacon/protocol';
import { describe, expect, it } from 'vitest';
import { brokenTransitions } from './test-support.js';

const ts = '2025-01-01T00:00:00.000Z';
const reg: LogEventInput = {
  type: 'mcp_registered',
  mcp_name: 'a',
  timestamp: ts,
  config: { name: 'a', transport: { type: 'stdio', command: 'x' } },
};
const change = (status: 'healthy' | 'unhealthy', previous: string): LogEventInput => ({
  type: 'mcp_status_change',
  mcp_name: 'a',
  status,
  timestamp: ts,
  metadata: { previous_status: previous as 'healthy' },
});
const parse = (events: LogEventInput[]) => events.map((e) => LogEvent.parse(e));

describe('brokenTransitions', () => {
  it('accepts a chain', () => {
    expect(
      brokenTransitions(parse([reg, change('healthy', 'unknown'), change('unhealthy', 'healthy')])),
    ).toEqual([]);
  });
  it('reports a repeated status', () => {
    expect(
      brokenTransitions(parse([reg, change('healthy', 'unknown'), change('healthy', 'healthy')])),
    ).toHaveLength(1);
  });
  it('reports a missing transition', () => {
    expect(
      brokenTransitions(parse([reg, change('healthy', 'unknown'), change('unhealthy', 'unknown')])),
    ).toHaveLength(1);
  });
});
