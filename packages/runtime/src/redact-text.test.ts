import { describe, expect, it } from 'vitest';
import { redactLogText } from './redact-text.js';

describe('redactLogText', () => {
  it('masks tokens, passwords and key=value secrets', () => {
    const text = [
      'Authorization: Bearer abc.def.ghi',
      'connecting to redis://default:hunter2@cache:6379/0',
      'api_key=sk-live-123456789 password: "p4ss" token=xyz',
      'GET /v1?access_token=zzz&page=2',
      'jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln',
    ].join('\n');
    const out = redactLogText(text);
    for (const secret of ['abc.def.ghi', 'hunter2', 'sk-live-123456789', 'p4ss', 'xyz', 'zzz']) {
      expect(out).not.toContain(secret);
    }
    expect(out).not.toContain('eyJzdWIiOiJ4In0');
    expect(out).toContain('redis://default:***@cache:6379/0');
    expect(out).toContain('Authorization: ***');
    expect(out).toContain('GET /v1?access_token=***&page=***');
    expect(redactLogText('got Bearer abc123 back')).toBe('got Bearer *** back');
  });

  it('leaves plain text alone and caps length', () => {
    expect(redactLogText('server listening on stdio')).toBe('server listening on stdio');
    const out = redactLogText('x'.repeat(10_000), 2_000);
    expect(out).toHaveLength(2_001);
    expect(out.endsWith('…')).toBe(true);
  });
});
