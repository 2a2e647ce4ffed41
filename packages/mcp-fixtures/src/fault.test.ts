import { describe, expect, it } from 'vitest';
import { applyFault, effectiveMode, FaultRequest, initialFault, injectedErrors } from './fault.js';

describe('fault switch', () => {
  it('keeps slow/flap settings across mode changes unless given', () => {
    const s1 = applyFault(initialFault(0), { mode: 'slow', slow_ms: 700 }, 10);
    const s2 = applyFault(s1, { mode: 'ok' }, 20);
    expect(applyFault(s2, { mode: 'slow' }, 30).slow_ms).toBe(700);
  });

  it('flap starts failing and alternates every flap_ms', () => {
    const s = applyFault(initialFault(0), { mode: 'flap', flap_ms: 100 }, 1_000);
    expect([1_000, 1_099, 1_100, 1_199, 1_200].map((t) => effectiveMode(s, t))).toEqual([
      'error',
      'error',
      'ok',
      'ok',
      'error',
    ]);
  });

  it('rejects unknown modes and fields', () => {
    expect(FaultRequest.safeParse({ mode: 'sideways' }).success).toBe(false);
    expect(FaultRequest.safeParse({ mode: 'ok', speed: 1 }).success).toBe(false);
  });

  it('error mode answers every request of a message or batch, never a notification', () => {
    const ping = { jsonrpc: '2.0', id: 7, method: 'ping' };
    const note = { jsonrpc: '2.0', method: 'notifications/initialized' };
    expect(injectedErrors('crm_mcp', ping)).toEqual([
      {
        jsonrpc: '2.0',
        id: 7,
        error: { code: -32603, message: 'injected fault: crm_mcp is in error mode' },
      },
    ]);
    expect(injectedErrors('crm_mcp', [note, { ...ping, id: 'a' }]).map((e) => e.id)).toEqual(['a']);
    expect(injectedErrors('crm_mcp', note)).toEqual([]);
  });
});
