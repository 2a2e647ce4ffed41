// Unit tests of the worker's pure parts: stream entry decoding and batch order, the due-time
// schedule, and the fleet fold from the log.
import { describe, expect, it } from 'vitest';
import { STREAM_FIELD, type McpConfig, type StoredEvent } from '@beacon/protocol';
import { createDueTimes } from './due.js';
import { createFleet } from './fleet.js';
import { byTime, decodeEntry, type GoodEntry } from './inputs.js';

const outcome = JSON.stringify({ mcp_name: 'a', outcome: 'failure', latency_ms: 1, at: 1 });

describe('decodeEntry', () => {
  it('decodes a good outcome and times it by its stream id', () => {
    const e = decodeEntry('outcomes', ['1700000000123-4', [STREAM_FIELD.outcome, outcome]]);
    expect(e).toMatchObject({
      ok: true,
      name: 'a',
      time: 1700000000123,
      input: { type: 'outcome' },
    });
  });

  it.each([
    ['no field', ['x', outcome], /no field "o"/],
    ['not JSON', [STREAM_FIELD.outcome, '{'], /not JSON/],
    [
      'bad shape',
      [STREAM_FIELD.outcome, JSON.stringify({ mcp_name: 'a', outcome: 'meh' })],
      /outcome/,
    ],
  ])('turns an entry with %s into a bad entry with a reason', (_what, fields, reason) => {
    const e = decodeEntry('outcomes', ['1-0', fields]);
    expect(e.ok).toBe(false);
    expect(e.ok ? '' : e.reason).toMatch(reason);
  });

  it('decodes a breaker command as a command input', () => {
    const c = { type: 'reset', name: 'a', command_id: 'c1', actor: 'bob', issued_at: 5 };
    const e = decodeEntry('commands', ['9-0', [STREAM_FIELD.command, JSON.stringify(c)]]);
    expect(e).toMatchObject({
      ok: true,
      input: { type: 'command', command: 'reset', actor: 'bob', command_id: 'c1' },
    });
  });
});

describe('byTime', () => {
  it('orders by entry time, then commands before probes before outcomes, then sequence', () => {
    const mk = (stream: GoodEntry['stream'], id: string): GoodEntry =>
      ({ ok: true, stream, id, time: Number(id.split('-')[0]), name: 'a' }) as GoodEntry;
    const sorted = [
      mk('outcomes', '5-1'),
      mk('outcomes', '5-0'),
      mk('probes', '5-0'),
      mk('commands', '6-0'),
      mk('outcomes', '4-9'),
    ].sort(byTime);
    expect(sorted.map((e) => `${e.stream}:${e.id}`)).toEqual([
      'outcomes:4-9',
      'probes:5-0',
      'outcomes:5-0',
      'outcomes:5-1',
      'commands:6-0',
    ]);
  });
});

describe('due times', () => {
  it('hands out names in due order, once, and honours rescheduling and cancelling', () => {
    const due = createDueTimes();
    due.set('a', 300);
    due.set('b', 100);
    due.set('c', 200);
    due.set('c', 50); // rescheduled earlier
    due.set('b', null); // cancelled
    expect(due.next()).toBe(50);
    expect(due.takeDue(250)).toEqual(['c']);
    expect(due.takeDue(250)).toEqual([]);
    expect(due.next()).toBe(300);
    expect(due.takeDue(1000)).toEqual(['a']);
    expect(due.next()).toBeNull();
  });

  it('does not grow without bound when one name is rescheduled again and again', () => {
    const due = createDueTimes();
    for (let i = 0; i < 10_000; i++) due.set('a', i);
    expect(due.size).toBe(1);
    expect(due.takeDue(20_000)).toEqual(['a']);
  });
});

describe('fleet', () => {
  const config = (name: string): McpConfig => ({
    name,
    transport: { type: 'streamable-http', url: 'http://127.0.0.1:1/mcp' },
    probe_interval_ms: 1000,
    timeout_ms: 500,
    tags: [],
    enabled: true,
  });
  const stored = (offset: string, event: StoredEvent['event']): StoredEvent => ({
    offset,
    prev: '0-0',
    event,
  });
  const ts = new Date(0).toISOString();

  it('folds registrations, updates and removals, ignoring what the snapshot already holds', () => {
    const fleet = createFleet();
    fleet.reset([{ name: 'a', config: config('a') } as never], '5-0');
    fleet.apply(stored('4-0', { type: 'mcp_removed', mcp_name: 'a', timestamp: ts }));
    expect(fleet.has('a')).toBe(true);
    fleet.apply(
      stored('6-0', { type: 'mcp_registered', mcp_name: 'b', config: config('b'), timestamp: ts }),
    );
    fleet.apply(stored('7-0', { type: 'mcp_removed', mcp_name: 'a', timestamp: ts }));
    expect([...fleet.names()]).toEqual(['b']);
    expect(fleet.drain()).toEqual([
      { kind: 'config', name: 'a' },
      { kind: 'registered', name: 'b' },
      { kind: 'removed', name: 'a' },
    ]);
    expect(fleet.drain()).toEqual([]);
  });

  it('tells when an offset has been reached', async () => {
    const fleet = createFleet();
    const waiting = fleet.reached('3-0', 5_000);
    fleet.apply(stored('3-0', { type: 'mcp_removed', mcp_name: 'x', timestamp: ts }));
    expect(await waiting).toBe(true);
    expect(await fleet.reached('9-0', 10)).toBe(false);
  });
});
