import type { StdioTransport } from '@beacon/protocol';
import { describe, expect, it } from 'vitest';
import {
  checkCallerStdio,
  parseStdioAllowList,
  resolveStdio,
  StdioRefused,
} from './stdio-commands.js';

const YAML = `
filesystem:
  command: /usr/bin/node
  args: [/opt/mcp/fs.js, --read-only]
  extra_args: '--root=/srv/[a-z]{1,32}'
  max_extra_args: 2
  env: [LOG_LEVEL]
  cwd: /srv
bare:
  command: /usr/local/bin/bare-mcp
`;
const list = parseStdioAllowList(YAML, 'stdio.yaml');
const t = (x: Partial<StdioTransport>): StdioTransport => ({
  type: 'stdio',
  command: 'filesystem',
  args: [],
  ...x,
});
const refusal = (fn: () => unknown): [string, string] => {
  try {
    fn();
  } catch (err) {
    if (err instanceof StdioRefused) return [err.code, err.message];
    throw err;
  }
  throw new Error('not refused');
};

describe('parseStdioAllowList', () => {
  it('reads YAML (and JSON) entries with defaults', () => {
    expect(list.entries.get('bare')).toMatchObject({ args: [], max_extra_args: 16, env: [] });
    const json = parseStdioAllowList('{"x":{"command":"/bin/x"}}', 'j');
    expect([...json.entries.keys()]).toEqual(['x']);
    expect(parseStdioAllowList('', 'empty').entries.size).toBe(0);
  });

  it('names the bad field', () => {
    expect(() => parseStdioAllowList('a:\n  args: []\n', 'f.yaml')).toThrow(
      /f\.yaml: .*a\.command/,
    );
    expect(() => parseStdioAllowList('a:\n  command: x\n  extra_args: "("\n', 'f')).toThrow(
      /a\.extra_args: not a valid regular expression/,
    );
    expect(() => parseStdioAllowList('"../x":\n  command: x\n', 'f')).toThrow(
      /\.\.\/x: Invalid key/,
    );
    expect(() => parseStdioAllowList('a:\n  command: x\n  shell: true\n', 'f')).toThrow(/shell/);
  });
});

describe('checkCallerStdio', () => {
  it('accepts an entry with matching args and allowed env', () => {
    expect(() =>
      checkCallerStdio(list, t({ args: ['--root=/srv/data'], env: { LOG_LEVEL: 'debug' } })),
    ).not.toThrow();
  });

  it('refuses without a list, an unknown command, and bad args/env/cwd', () => {
    expect(refusal(() => checkCallerStdio(undefined, t({})))[0]).toBe('forbidden');
    expect(refusal(() => checkCallerStdio(list, t({ command: '/bin/sh' })))).toEqual([
      'forbidden',
      `transport.command: "/bin/sh" is not an entry of the registry's BEACON_STDIO_COMMANDS allow-list`,
    ]);
    // The pattern is anchored: a matching prefix is not enough.
    expect(refusal(() => checkCallerStdio(list, t({ args: ['--root=/srv/data;rm'] })))).toEqual([
      'invalid',
      'transport.args[0]: not allowed by the extra_args pattern of filesystem',
    ]);
    expect(refusal(() => checkCallerStdio(list, t({ args: ['a', 'b', 'c'] })))[1]).toBe(
      'transport.args: filesystem takes at most 2 extra args (got 3)',
    );
    expect(refusal(() => checkCallerStdio(list, t({ command: 'bare', args: ['x'] })))[1]).toBe(
      'transport.args: bare takes no extra args',
    );
    expect(refusal(() => checkCallerStdio(list, t({ env: { LD_PRELOAD: '/x.so' } })))[1]).toBe(
      'transport.env.LD_PRELOAD: filesystem does not let callers set this variable',
    );
    expect(refusal(() => checkCallerStdio(list, t({ cwd: '/' })))[0]).toBe('invalid');
  });

  it('caps caller arg length before a backtracking host pattern runs', () => {
    const evil = parseStdioAllowList('e:\n  command: x\n  extra_args: "(a+)+b"\n', 'f');
    // How fast it answers is in stdio-commands.slo.test.ts.
    expect(
      refusal(() => checkCallerStdio(evil, t({ command: 'e', args: ['a'.repeat(5_000)] })))[1],
    ).toBe('transport.args[0]: at most 1024 characters');
  });
});

describe('resolveStdio', () => {
  it('runs the entry: its command, fixed args then caller args, its cwd, a minimal env', () => {
    process.env.REDIS_URL_TEST_LEAK = 'redis://secret';
    const spawn = resolveStdio(
      list,
      t({ args: ['--root=/srv/a'], env: { LOG_LEVEL: 'debug' } }),
      false,
    );
    delete process.env.REDIS_URL_TEST_LEAK;
    expect(spawn).toMatchObject({
      command: '/usr/bin/node',
      args: ['/opt/mcp/fs.js', '--read-only', '--root=/srv/a'],
      cwd: '/srv',
    });
    expect(spawn.env.LOG_LEVEL).toBe('debug');
    expect(spawn.env).not.toHaveProperty('REDIS_URL_TEST_LEAK');
    for (const k of Object.keys(spawn.env)) {
      expect(['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER', 'LOG_LEVEL']).toContain(k);
    }
  });

  it('a free command runs only for a fleet-file MCP', () => {
    const free = t({ command: '/usr/bin/env', args: ['x'], cwd: '/tmp' });
    expect(resolveStdio(undefined, free, true)).toMatchObject({
      command: '/usr/bin/env',
      args: ['x'],
      cwd: '/tmp',
    });
    expect(refusal(() => resolveStdio(list, free, false))[0]).toBe('forbidden');
    expect(refusal(() => resolveStdio(undefined, free, false))[0]).toBe('forbidden');
  });
});
