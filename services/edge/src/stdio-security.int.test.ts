// stdio, caps and masking end to end (issue 10), against real registry and edge processes and a
// private Redis: stack A has no BEACON_STDIO_COMMANDS, stack B an allow-list whose one entry
// runs the repo's stdio MCP test server behind a shell that records the child's environment.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEventLog, type SideMessage } from '@beacon/event-log';
import {
  startRedis,
  startRegistryProcess,
  stdioServerScript,
  uniquePrefix,
  waitFor,
  type ProcessHandle,
  type RedisHandle,
} from '@beacon/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  mintToken,
  record,
  startEdgeProcess,
  type EdgeProcess,
  checkRestAnswer,
} from './test-support.js';
import { STREAM_FIELD } from '@beacon/protocol';

interface Stack {
  readonly prefix: string;
  readonly edge: EdgeProcess;
}

let redis: RedisHandle;
let dir: string;
let envFile: string;
let a: Stack;
let b: Stack;
let admin: string;
let scoped: string;
const procs: ProcessHandle[] = [];

async function stack(name: string, extraEnv: Record<string, string>): Promise<Stack> {
  const prefix = uniquePrefix(name);
  procs.push(
    await startRegistryProcess(
      redis.url,
      prefix,
      // A secret of the registry's own: no child may see it.
      { BEACON_TEST_REGISTRY_SECRET: 'registry-only-secret', ...extraEnv },
      `registry:${name}`,
    ),
  );
  const edge = await startEdgeProcess(redis.url, prefix);
  procs.push(edge.proc);
  return { prefix, edge };
}

beforeAll(async () => {
  redis = await startRedis();
  dir = mkdtempSync(join(tmpdir(), 'beacon-stdio-sec-'));
  envFile = join(dir, 'child-env');
  const allowList = join(dir, 'stdio-commands.yaml');
  // `sh -c SCRIPT $0 $@`: records the environment, then becomes the test server.
  writeFileSync(
    allowList,
    [
      'probe:',
      '  command: /bin/sh',
      '  args:',
      `    - '-c'`,
      `    - 'env > "$0"; exec "$@"'`,
      `    - ${JSON.stringify(envFile)}`,
      `    - ${JSON.stringify(process.execPath)}`,
      `    - ${JSON.stringify(stdioServerScript)}`,
      '    - --name',
      '    - fs_mcp',
      `  extra_args: '--tools|[0-9]{1,2}'`,
      '  max_extra_args: 2',
      '  env: [MCP_TOKEN]',
      '',
    ].join('\n'),
  );
  [a, b] = await Promise.all([
    stack('stdio-a', {}),
    stack('stdio-b', { BEACON_STDIO_COMMANDS: allowList }),
  ]);
  admin = await mintToken({ sub: 'ada', role: 'admin' });
  scoped = await mintToken({ sub: 'sam', role: 'admin', mcps: ['fs_*', 'billing_*'] });
}, 180_000);

afterAll(async () => {
  for (const p of procs.reverse()) await p.kill('SIGTERM').catch(() => undefined);
  await redis?.stop();
});

interface Answer {
  readonly status: number;
  readonly json: { error?: { code: string; message: string }; [k: string]: unknown };
  readonly text: string;
}

async function call(s: Stack, method: string, path: string, body?: unknown, token = admin) {
  const res = await fetch(`${s.edge.http}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const json = checkRestAnswer(method, path, res.status, JSON.parse(text) as Answer['json']);
  return { status: res.status, json, text } satisfies Answer;
}

const shell = (marker: string) => ({
  type: 'stdio',
  command: '/bin/sh',
  args: ['-c', `touch ${marker}`],
});

describe('stdio without an allow-list', () => {
  it('an admin POST of /bin/sh is 403 and nothing runs', async () => {
    const marker = join(dir, 'pwned-api');
    const res = await call(a, 'POST', '/api/mcps', { name: 'sh_mcp', transport: shell(marker) });
    expect(res.status).toBe(403);
    expect(res.json.error).toEqual({
      code: 'forbidden',
      message:
        'stdio transports are refused: the registry host has no BEACON_STDIO_COMMANDS allow-list ' +
        '(a stdio MCP is a process the registry runs on its host; only the fleet file may name free commands)',
    });
    const list = await call(a, 'GET', '/api/mcps');
    expect(list.text).not.toContain('sh_mcp');
    expect(existsSync(marker)).toBe(false);
  });

  it('an XADD register command with a free path is refused in its command_result', async () => {
    const marker = join(dir, 'pwned-xadd');
    const conn = new Redis(redis.url);
    const log = createEventLog(conn, { prefix: a.prefix });
    const sides: SideMessage[] = [];
    const sub = await log.subscribe({
      onSnapshot: () => undefined,
      onEvent: () => undefined,
      onSide: (m) => void sides.push(m),
    });
    try {
      const id = randomUUID();
      const command = {
        type: 'register',
        command_id: id,
        actor: 'mallory',
        issued_at: Date.now(),
        config: { name: 'xadd_mcp', transport: shell(marker) },
      };
      await conn.xadd(
        log.keys.registryCommands,
        '*',
        STREAM_FIELD.command,
        JSON.stringify(command),
      );
      const result = await waitFor(
        () => sides.find((m) => m.type === 'command_result' && m.command_id === id),
        { timeoutMs: 15_000, message: 'command_result' },
      );
      expect(result).toMatchObject({
        ok: false,
        error: {
          code: 'forbidden',
          message: expect.stringMatching(/no BEACON_STDIO_COMMANDS/) as unknown,
        },
      });
      expect((await log.snapshot()).mcps.map((m) => m.name)).not.toContain('xadd_mcp');
      expect(existsSync(marker)).toBe(false);
    } finally {
      await sub.close();
      await conn.quit();
    }
  });
});

describe('stdio with an allow-list', () => {
  it('a named entry registers and probes healthy; the child gets only basics and allowed env', async () => {
    const res = await call(b, 'POST', '/api/mcps', {
      name: 'fs_mcp',
      transport: {
        type: 'stdio',
        command: 'probe',
        args: ['--tools', '4'],
        env: { MCP_TOKEN: 'tok-secret-1' },
      },
      probe_interval_ms: 500,
      timeout_ms: 3_000,
    });
    expect(res.status).toBe(201);
    const row = await waitFor(
      async () => {
        const r = await call(b, 'GET', '/api/mcps/fs_mcp');
        return r.json.health_status === 'healthy' ? r.json : undefined;
      },
      { timeoutMs: 20_000, message: 'fs_mcp healthy' },
    );
    expect(row.tools_count).toBe(4);
    const env = readFileSync(envFile, 'utf8');
    expect(env).toContain('MCP_TOKEN=tok-secret-1');
    expect(env).toMatch(/^PATH=/m);
    expect(env).not.toContain('REDIS_URL');
    expect(env).not.toContain('registry-only-secret');
    expect(env).not.toContain('BEACON_');
    // Viewers and admins alike see masked args and env.
    expect(row.config).toMatchObject({
      transport: {
        type: 'stdio',
        command: 'probe',
        args: ['***', '***'],
        env: { MCP_TOKEN: '***' },
      },
    });
  });

  it('a free path, a disallowed extra arg or env key, or a cwd is refused with the field named', async () => {
    const base = { name: 'fs_bad', transport: { type: 'stdio', command: 'probe' } };
    const with_ = (t: Record<string, unknown>) => ({
      ...base,
      transport: { ...base.transport, ...t },
    });
    const free = await call(
      b,
      'POST',
      '/api/mcps',
      with_({ command: '/bin/sh', args: ['-c', 'id'] }),
    );
    expect([free.status, free.json.error]).toEqual([
      403,
      {
        code: 'forbidden',
        message: `transport.command: "/bin/sh" is not an entry of the registry's BEACON_STDIO_COMMANDS allow-list`,
      },
    ]);
    const arg = await call(b, 'POST', '/api/mcps', with_({ args: ['--fault-file=/etc/passwd'] }));
    expect([arg.status, arg.json.error]).toEqual([
      400,
      {
        code: 'invalid',
        message: 'transport.args[0]: not allowed by the extra_args pattern of probe',
      },
    ]);
    const many = await call(b, 'POST', '/api/mcps', with_({ args: ['1', '2', '3'] }));
    expect([many.status, many.json.error?.message]).toEqual([
      400,
      'transport.args: probe takes at most 2 extra args (got 3)',
    ]);
    const env = await call(b, 'POST', '/api/mcps', with_({ env: { NODE_OPTIONS: '--require x' } }));
    expect([env.status, env.json.error]).toEqual([
      400,
      {
        code: 'invalid',
        message: 'transport.env.NODE_OPTIONS: probe does not let callers set this variable',
      },
    ]);
    const cwd = await call(b, 'POST', '/api/mcps', with_({ cwd: '/' }));
    expect([cwd.status, cwd.json.error?.message]).toEqual([
      400,
      'transport.cwd: the allow-list entry probe sets the working directory; callers may not',
    ]);
    expect((await call(b, 'GET', '/api/mcps')).text).not.toContain('fs_bad');
  });

  it('a scoped admin gets 403 for any stdio registration or transport change', async () => {
    const post = await call(
      b,
      'POST',
      '/api/mcps',
      { name: 'fs_scoped', transport: { type: 'stdio', command: 'probe' } },
      scoped,
    );
    const message =
      'stdio transports cannot be registered or changed by a scoped admin (token with an mcps claim)';
    expect([post.status, post.json.error]).toEqual([403, { code: 'forbidden', message }]);
    const patch = await call(
      b,
      'PATCH',
      '/api/mcps/fs_mcp',
      { transport: { type: 'stdio', command: 'probe', args: ['--tools', '9'] } },
      scoped,
    );
    expect([patch.status, patch.json.error]).toEqual([403, { code: 'forbidden', message }]);
    const away = await call(
      b,
      'PATCH',
      '/api/mcps/fs_mcp',
      { transport: { type: 'streamable-http', url: 'http://127.0.0.1:1/mcp' } },
      scoped,
    );
    expect(away.status).toBe(403);
    expect((await call(b, 'GET', '/api/mcps/fs_mcp')).json.config).toMatchObject({
      transport: { type: 'stdio', command: 'probe' },
    });
  });
});

describe('what clients see of a config', () => {
  it('URL passwords, query values and stdio args are masked in /api/mcps, /api/events and initial_status', async () => {
    const res = await call(b, 'POST', '/api/mcps', {
      name: 'billing_url',
      transport: {
        type: 'streamable-http',
        url: 'http://svc:PASSWORD-1@127.0.0.1:9/mcp?api_key=KEY-123&region=eu',
        headers: { authorization: 'Bearer HEADER-TOKEN' },
      },
    });
    expect(res.status).toBe(201);
    const masked = 'http://svc:***@127.0.0.1:9/mcp?api_key=***&region=***';
    const viewer = await mintToken({ role: 'viewer' });
    const one = await call(b, 'GET', '/api/mcps/billing_url', undefined, viewer);
    expect(one.json.config).toMatchObject({ transport: { url: masked } });
    const texts = [
      res.text,
      (await call(b, 'GET', '/api/mcps', undefined, viewer)).text,
      (await call(b, 'GET', '/api/events?limit=1000', undefined, viewer)).text,
    ];
    const ws = record(b.edge.ws, { token: viewer });
    const initial = await ws.waitFor((r) => r.of('initial_status')[0], 'initial_status');
    ws.close();
    const row = initial.mcps?.find((m) => m.name === 'billing_url');
    expect(row?.config).toMatchObject({ transport: { url: masked } });
    texts.push(JSON.stringify(initial));
    for (const text of texts) {
      for (const secret of ['PASSWORD-1', 'KEY-123', 'HEADER-TOKEN', 'tok-secret-1', '--tools']) {
        expect(text).not.toContain(secret);
      }
    }
  });

  it('an oversized config is refused with the field named', async () => {
    const huge = await call(b, 'POST', '/api/mcps', {
      name: 'billing_huge',
      transport: {
        type: 'streamable-http',
        url: 'http://127.0.0.1:9/mcp',
        headers: { 'x-big': 'a'.repeat(900_000) },
      },
    });
    expect(huge.status).toBe(400);
    expect(huge.json.error?.message).toMatch(/transport\.headers\.x-big.*at most 4096 characters/);
    const total = await call(b, 'POST', '/api/mcps', {
      name: 'billing_total',
      transport: {
        type: 'streamable-http',
        url: 'http://127.0.0.1:9/mcp',
        headers: Object.fromEntries(
          Array.from({ length: 8 }, (_, i) => [`x-h${i}`, 'a'.repeat(4_000)]),
        ),
      },
    });
    expect(total.status).toBe(400);
    expect(total.json.error?.message).toMatch(
      /transport: config is \d+ characters as JSON, over the 16384 cap \(largest field: transport/,
    );
    expect((await call(b, 'GET', '/api/mcps')).text).not.toMatch(/billing_huge|billing_total/);
  });
});
