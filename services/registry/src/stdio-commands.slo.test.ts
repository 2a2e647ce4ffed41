// Wall-clock budget for the stdio allow-list check (opt-in: `pnpm test:slo`); its behaviour is in
// stdio-commands.test.ts.
import type { StdioTransport } from '@beacon/protocol';
import { describe, expect, it } from 'vitest';
import { checkCallerStdio, parseStdioAllowList, StdioRefused } from './stdio-commands.js';

const t = (x: Partial<StdioTransport>): StdioTransport => ({
  type: 'stdio',
  command: 'filesystem',
  args: [],
  ...x,
});

describe('checkCallerStdio', () => {
  it('caps caller arg length before a backtracking host pattern runs', () => {
    const evil = parseStdioAllowList('e:\n  command: x\n  extra_args: "(a+)+b"\n', 'f');
    const started = performance.now();
    const refuse = () => checkCallerStdio(evil, t({ command: 'e', args: ['a'.repeat(5_000)] }));
    expect(refuse).toThrow(StdioRefused);
    expect(refuse).toThrow('transport.args[0]: at most 1024 characters');
    expect(performance.now() - started).toBeLessThan(100);
  });
});
