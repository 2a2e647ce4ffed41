// How statuses read: credentials rejected is not "down", an unprobed MCP is "not checked".
import { describe, expect, it } from 'vitest';
import { protocolText, REASON_LABEL, statusLabel } from './format.js';

describe('statusLabel', () => {
  it('says credentials rejected for an unhealthy MCP whose reason is auth_failed', () => {
    expect(statusLabel('unhealthy', 'auth_failed')).toBe('Credentials rejected');
    expect(REASON_LABEL.auth_failed).toBe('credentials rejected');
  });
  it('says not checked for health_check: false, and the status otherwise', () => {
    expect(statusLabel('unknown', 'health_check_disabled')).toBe('Not checked');
    expect(statusLabel('unhealthy', 'timeout')).toBe('Unhealthy');
    expect(statusLabel('disconnected', 'disconnected')).toBe('Disconnected');
    expect(statusLabel('healthy', null)).toBe('Healthy');
    expect(statusLabel('healthy')).toBe('Healthy');
  });
});

describe('protocolText', () => {
  it('names the generation', () => {
    expect(protocolText('2026-07-28')).toBe('2026-07-28 (server/discover)');
    expect(protocolText('2025-06-18')).toBe('2025-06-18 (initialize)');
    expect(protocolText(null)).toBe('—');
    expect(protocolText(undefined)).toBe('—');
  });
});
