// stdio in the registry on a real Redis: the fleet file may still give a free command (it lives
// on the registry host), the command stream may not, and admins cannot re-point or edit a
// file-managed free-command MCP by command (disable/enable/remove stay possible).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis, stdioServerArgs, uniquePrefix, type RedisHandle } from '@beacon/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startLeadingHarness } from './test-support.js';

let redis: RedisHandle;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

it('fleet-file stdio runs a free command; commands cannot register, update or re-point one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'beacon-reg-stdio-file-'));
  const file = join(dir, 'fleet.yaml');
  const transport = {
    type: 'stdio' as const,
    command: process.execPath,
    args: stdioServerArgs({ name: 'file_mcp', tools: 2 }),
  };
  writeFileSync(
    file,
    stringify({
      mcps: [{ name: 'file_mcp', transport, probe_interval_ms: 300, timeout_ms: 3_000 }],
    }),
  );
  const h = await startLeadingHarness({
    url: redis.url,
    prefix: uniquePrefix('stdio'),
    fleetFile: file,
  });
  try {
    const row = await h.waitRow('file_mcp', (r) => r.health_status === 'healthy', 'healthy');
    expect(row.tools_count).toBe(2);
    const refused = {
      ok: false,
      error: {
        code: 'forbidden',
        message: expect.stringMatching(/no BEACON_STDIO_COMMANDS/) as unknown,
      },
    };
    expect(
      await h.command({ type: 'register', config: { name: 'cmd_mcp', transport } }, 'mallory'),
    ).toMatchObject(refused);
    // Same free command, other args: an update may not re-point the file's MCP.
    expect(
      await h.command({
        type: 'update',
        name: 'file_mcp',
        patch: { transport: { ...transport, args: ['-e', 'require("fs").writeFileSync("x","")'] } },
      }),
    ).toMatchObject(refused);
    expect(
      await h.command({ type: 'update', name: 'file_mcp', patch: { probe_interval_ms: 400 } }),
    ).toMatchObject(refused);
    // Disable/enable/remove stay possible.
    expect(await h.command({ type: 'disable', name: 'file_mcp' })).toMatchObject({ ok: true });
    expect(await h.row('cmd_mcp')).toBeUndefined();
  } finally {
    await h.stop();
  }
});
