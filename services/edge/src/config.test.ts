import { describe, expect, it } from 'vitest';
import { resolveInside } from './static-files.js';
import { EdgeEnv, edgeConfigProblems, edgeSettings } from './config.js';

describe('edge config', () => {
  it('has sensible defaults and the contract names', () => {
    const env = EdgeEnv.parse({ BEACON_JWT_SECRET: 'x'.repeat(16) });
    const s = edgeSettings(env, 'host-1');
    expect(s.port).toBe(3001);
    expect(s.auth.enabled).toBe(true);
    expect(s.edgeId).toBe('host-1');
    expect(edgeConfigProblems(env)).toEqual([]);
    expect([s.maxFramePatterns, s.maxPatterns, s.maxPatternLength]).toEqual([256, 256, 256]);
    const capped = edgeSettings(
      EdgeEnv.parse({
        BEACON_WS_MAX_FRAME_PATTERNS: '10',
        BEACON_WS_MAX_PATTERNS: '20',
        BEACON_WS_MAX_PATTERN_LENGTH: '64',
      }),
      'h',
    );
    expect([capped.maxFramePatterns, capped.maxPatterns, capped.maxPatternLength]).toEqual([
      10, 20, 64,
    ]);
    expect(EdgeEnv.safeParse({ BEACON_WS_MAX_PATTERNS: '0' }).success).toBe(false);
  });

  it('reports cross-field problems by variable', () => {
    const env = EdgeEnv.parse({ BEACON_ALLOWED_ORIGINS: 'https://ok.example, nope' });
    const problems = edgeConfigProblems(env);
    expect(problems.join('\n')).toMatch(/BEACON_JWT_SECRET: required while auth is on/);
    expect(problems.join('\n')).toMatch(/BEACON_ALLOWED_ORIGINS: "nope"/);
    expect(edgeConfigProblems(EdgeEnv.parse({ BEACON_AUTH: 'off' }))).toEqual([]);
    expect(EdgeEnv.safeParse({ BEACON_WS_IDLE_TIMEOUT_S: '4' }).success).toBe(false);
  });
});

describe('static path resolution', () => {
  it('stays inside the root', () => {
    expect(resolveInside('/srv/dash', '/assets/a.js')).toBe('/srv/dash/assets/a.js');
    expect(resolveInside('/srv/dash', '/../etc/passwd')).toBeNull();
    expect(resolveInside('/srv/dash', '/%2e%2e/%2e%2e/etc/passwd')).toBeNull();
    expect(resolveInside('/srv/dash', '/a%00b')).toBeNull();
    expect(resolveInside('/srv/dash', '/%E0%A4%A')).toBeNull();
    expect(resolveInside('/srv/dash', '/..%5c..%5cx')).toBeNull();
  });
});
