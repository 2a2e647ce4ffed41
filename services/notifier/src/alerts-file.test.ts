// The alerts file: good entries applied, bad ones reported by kind, index, id and field; empty
// and oversized files refused with a clear reason.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AlertsFileRefused, parseAlertsDocument, readAlertsFile } from './alerts-file.js';

const README_EXAMPLE = `
channels:
  - { id: ops-hook, type: webhook, url: https://hooks.example.com/beacon, secret: change-me }
  - { id: pager, type: pagerduty, routing_key: R0UT1NGKEY }
rules:
  - id: prod-down
    mcps: ['*']
    tags: [prod]
    on: [down, auth_failed, auto_disabled]
    for: 1m
    repeat_every: 1h
    channels: [ops-hook, pager]
silences:
  - { id: nightly, cron: '0 2 * * *', duration: 30m, mcps: ['batch_*'], comment: nightly batch }
`;

describe('alerts file', () => {
  it('parses the README example', () => {
    const f = parseAlertsDocument(README_EXAMPLE);
    expect(f.problems).toEqual([]);
    expect(f.channels.map((c) => c.id)).toEqual(['ops-hook', 'pager']);
    expect(f.rules[0]).toMatchObject({ for: 60, repeat_every: 3600, send_resolved: true });
    expect(f.silences[0]).toMatchObject({ duration: 1800 });
  });

  it('reports bad entries by kind, index, id and field, and keeps the good ones', () => {
    const f = parseAlertsDocument(`
channels:
  - { id: ok, type: webhook, url: http://127.0.0.1:9/x }
  - { id: bad, type: webhook, url: 'ftp://nope' }
rules:
  - { id: r1, channels: [ok], for: soon }
  - { id: r2, channels: [ok] }
  - { id: r2, channels: [ok] }
`);
    expect(f.channels.map((c) => c.id)).toEqual(['ok']);
    expect(f.rules.map((r) => r.id)).toEqual(['r2']);
    expect(f.problems).toHaveLength(3);
    expect(f.problems[0]).toMatch(/^channels\[1\] \(id bad\): url/);
    expect(f.problems[1]).toMatch(/^rules\[0\] \(id r1\): for/);
    expect(f.problems[2]).toMatch(/duplicate id r2/);
  });

  it('refuses empty, unparsable and oversized files', async () => {
    expect(() => parseAlertsDocument('   \n')).toThrow(AlertsFileRefused);
    expect(() => parseAlertsDocument('channels: [')).toThrow(/does not parse/);
    expect(() => parseAlertsDocument('nope: 1')).toThrow(/nope/);
    const dir = mkdtempSync(join(tmpdir(), 'alerts-'));
    const big = join(dir, 'big.yaml');
    writeFileSync(big, `channels: []\n# ${'x'.repeat(5_000)}\n`);
    await expect(readAlertsFile(big, 1_024)).rejects.toThrow(/over the 1024 byte cap/);
    await expect(readAlertsFile(join(dir, 'missing.yaml'), 1_024)).rejects.toThrow(/cannot open/);
  });
});
