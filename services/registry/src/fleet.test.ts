// Given/when/then tests of fleet changes: the fleet file parser, admin command plans and the
// file reconcile rule (the file only removes what it still owns).
import { LogEvent, McpConfigInput, type McpConfig } from '@beacon/protocol';
import { describe, expect, it } from 'vitest';
import { initialState } from './decide.js';
import { describeFleetIssue, parseFleetFile } from './fleet-file.js';
import { CommandRefused, planCommand, type FleetItem, type Owner } from './fleet-ops.js';
import { reconcileFleet } from './reconcile.js';
import { kinds } from './test-support.js';

const NOW = Date.parse('2025-01-01T00:00:00Z');
const cfg = (name: string, extra: Record<string, unknown> = {}): McpConfig =>
  McpConfigInput.parse({
    name,
    transport: { type: 'streamable-http', url: `http://127.0.0.1:7200/${name}` },
    ...extra,
  });
const item = (config: McpConfig, owner: Owner = 'admin', state = {}): FleetItem => ({
  config,
  owner,
  state: { ...initialState(config.name, config.enabled), ...state },
});
const fleetOf = (...items: FleetItem[]): Map<string, FleetItem> =>
  new Map(items.map((i) => [i.config.name, i]));
const common = { actor: 'alice', command_id: 'c1', issued_at: NOW };

describe('parseFleetFile', () => {
  it('loads YAML with an invalid entry beside valid ones, naming the bad entry and field', () => {
    const yaml = `
mcps:
  - name: billing_mcp
    transport: { type: streamable-http, url: "http://127.0.0.1:7200/mcp" }
    probe_interval_ms: 1000
    timeout_ms: 500
    failure_cycles_to_disable: 3
  - name: broken_mcp
    transport: { type: streamable-http, url: "not a url" }
  - name: local_mcp
    transport: { type: stdio, command: node, args: [server.js] }
  - transport: { type: sse, url: "http://x" }
  - name: billing_mcp
    transport: { type: stdio, command: node }
`;
    const { entries, issues } = parseFleetFile(yaml, 'fleet.yaml');
    expect(entries.map((e) => e.name)).toEqual(['billing_mcp', 'local_mcp']);
    expect(entries[0]).toMatchObject({
      probe_interval_ms: 1000,
      timeout_ms: 500,
      failure_cycles_to_disable: 3,
    });
    expect(issues.map(describeFleetIssue)).toEqual([
      expect.stringMatching(/^broken_mcp: transport\.url: /),
      expect.stringMatching(/^entry #3: name: /),
      'billing_mcp: name: duplicate name in the fleet file',
    ]);
  });

  it('accepts a JSON list at the top level and an explicit empty list', () => {
    const json = JSON.stringify([{ name: 'a', transport: { type: 'stdio', command: 'x' } }]);
    expect(parseFleetFile(json, 'fleet.json').entries).toHaveLength(1);
    expect(parseFleetFile('mcps: []', 'fleet.yaml').entries).toEqual([]);
    expect(parseFleetFile('[]', 'fleet.yaml').entries).toEqual([]);
    expect(parseFleetFile('{"mcps": []}', 'fleet.json').entries).toEqual([]);
  });

  it('refuses an empty file (0 bytes, comments only, `mcps:` alone), so the fleet is kept', () => {
    for (const [text, file] of [
      ['', 'fleet.yaml'],
      [' \n\n', 'fleet.yaml'],
      ['# nothing yet\n', 'fleet.yaml'],
      ['', 'fleet.json'],
    ] as const) {
      expect(() => parseFleetFile(text, file)).toThrow(
        /empty \(no "mcps" list\); write "mcps: \[\]"/,
      );
    }
    expect(() => parseFleetFile('mcps:\n', 'fleet.yaml')).toThrow(/"mcps" must be a list/);
  });

  it('refuses a YAML alias bomb', () => {
    let yaml = 'a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n';
    let prev = 'a';
    for (const k of 'bcdefghi') {
      yaml += `${k}: &${k} [${Array(9).fill(`*${prev}`).join(', ')}]\n`;
      prev = k;
    }
    expect(() => parseFleetFile(`${yaml}mcps: []\n`, 'fleet.yaml')).toThrow(/resource exhaustion/);
  });

  it('refuses a file it cannot parse at all, so the fleet is kept', () => {
    expect(() => parseFleetFile('{"mcps": [', 'fleet.json')).toThrow(/cannot parse/);
    expect(() => parseFleetFile('mcps: 3', 'fleet.yaml')).toThrow(/must be a list/);
    expect(() => parseFleetFile('hello', 'fleet.yaml')).toThrow(/expected a list/);
  });
});

describe('planCommand', () => {
  it('given nothing, when registered, then mcp_registered with actor and command_id, probed at once', () => {
    const plan = planCommand(new Map(), { type: 'register', config: cfg('a'), ...common }, NOW);
    expect(kinds(plan.events)).toEqual(['mcp_registered']);
    expect(plan.events[0]).toMatchObject({ actor: 'alice', command_id: 'c1' });
    expect(plan.changes[0]).toMatchObject({ name: 'a', probeNow: true, item: { owner: 'admin' } });
    for (const e of plan.events) expect(LogEvent.safeParse(e).success).toBe(true);
  });

  it('given a registration, when the same is registered again, then nothing is appended', () => {
    const plan = planCommand(
      fleetOf(item(cfg('a'))),
      { type: 'register', config: cfg('a'), ...common },
      NOW,
    );
    expect(plan.events).toEqual([]);
  });

  it('given a registration, when patched, then mcp_updated lists the changed fields only', () => {
    const fleet = fleetOf(item(cfg('a', { tags: ['x'] })));
    const plan = planCommand(
      fleet,
      { type: 'update', name: 'a', patch: { timeout_ms: 900 }, ...common },
      NOW,
    );
    expect(kinds(plan.events)).toEqual(['mcp_updated']);
    expect(plan.events[0]).toMatchObject({
      changes: ['timeout_ms'],
      config: { timeout_ms: 900, tags: ['x'] },
    });
  });

  it('given a registration, when the transport changes, then the session is replaced', () => {
    const fleet = fleetOf(item(cfg('a')));
    const transport = { type: 'stdio' as const, command: 'node', args: [] };
    const plan = planCommand(
      fleet,
      { type: 'update', name: 'a', patch: { transport }, ...common },
      NOW,
    );
    expect(plan.changes[0]).toMatchObject({ reconnect: true, probeNow: true });
  });

  it('given a registration, when a patch makes the whole config invalid, then refused as invalid', () => {
    const fleet = fleetOf(item(cfg('a')));
    const run = (): unknown =>
      planCommand(
        fleet,
        { type: 'update', name: 'a', patch: { probe_interval_ms: 50 }, ...common },
        NOW,
      );
    expect(run).toThrow(CommandRefused);
    expect(run).toThrow(/probe_interval_ms/);
  });

  it('given nothing, when an unknown MCP is updated, removed, enabled or disabled, then not_found', () => {
    for (const type of ['remove', 'enable', 'disable'] as const) {
      try {
        planCommand(new Map(), { type, name: 'ghost', ...common }, NOW);
        expect.unreachable();
      } catch (err) {
        expect(err).toMatchObject({ code: 'not_found' });
      }
    }
  });

  it('given healthy, when disabled, then config.enabled=false, manually_disabled and inactive(manual)', () => {
    const fleet = fleetOf(item(cfg('a'), 'admin', { status: 'healthy' }));
    const plan = planCommand(fleet, { type: 'disable', name: 'a', ...common }, NOW);
    expect(kinds(plan.events)).toEqual(['mcp_updated', 'manually_disabled', 'status:inactive']);
    expect(plan.changes[0]?.item).toMatchObject({
      config: { enabled: false },
      state: { disabled: true },
    });
  });

  it('given disabled, when enabled, then probed at once', () => {
    const fleet = fleetOf(item(cfg('a', { enabled: false })));
    const plan = planCommand(fleet, { type: 'enable', name: 'a', ...common }, NOW);
    expect(kinds(plan.events)).toEqual(['mcp_updated', 'manually_enabled', 'status:unknown']);
    expect(plan.changes[0]).toMatchObject({ probeNow: true });
  });

  it('given auto-disabled, when its config changes, then the auto-disable is lifted', () => {
    const fleet = fleetOf(item(cfg('a'), 'admin', { status: 'inactive', autoDisabled: true }));
    const plan = planCommand(
      fleet,
      { type: 'update', name: 'a', patch: { timeout_ms: 100 }, ...common },
      NOW,
    );
    expect(kinds(plan.events)).toEqual(['mcp_updated', 'status:unknown']);
    expect(plan.changes[0]).toMatchObject({ reprobeAt: null, probeNow: true });
  });

  it('given a registration, when removed, then mcp_removed and the entry is gone', () => {
    const plan = planCommand(
      fleetOf(item(cfg('a'))),
      { type: 'remove', name: 'a', ...common },
      NOW,
    );
    expect(kinds(plan.events)).toEqual(['mcp_removed']);
    expect(plan.changes[0]).toMatchObject({ item: null });
  });
});

describe('reconcileFleet', () => {
  const memoryOf = (...configs: McpConfig[]): Map<string, McpConfig> =>
    new Map(configs.map((c) => [c.name, c]));

  it('given an empty fleet, when the file lists MCPs, then they are registered by fleet-file', () => {
    const { plans, memory } = reconcileFleet([cfg('a'), cfg('b')], new Map(), new Map(), NOW);
    expect(plans.flatMap((p) => kinds(p.events))).toEqual(['mcp_registered', 'mcp_registered']);
    expect(plans[0]?.events[0]).toMatchObject({ actor: 'fleet-file' });
    expect([...memory.keys()]).toEqual(['a', 'b']);
  });

  it('given the same file again, then nothing happens', () => {
    const fleet = fleetOf(item(cfg('a'), 'file'));
    expect(reconcileFleet([cfg('a')], memoryOf(cfg('a')), fleet, NOW).plans).toEqual([]);
  });

  it('given an entry changed in the file, then it is updated', () => {
    const fleet = fleetOf(item(cfg('a'), 'file'));
    const { plans } = reconcileFleet(
      [cfg('a', { timeout_ms: 42 })],
      memoryOf(cfg('a')),
      fleet,
      NOW,
    );
    expect(plans.flatMap((p) => kinds(p.events))).toEqual(['mcp_updated']);
  });

  it('given an admin edit of a file entry, when the file is unchanged, then the edit stays', () => {
    const fleet = fleetOf(item(cfg('a', { timeout_ms: 70 }), 'admin'));
    expect(reconcileFleet([cfg('a')], memoryOf(cfg('a')), fleet, NOW).plans).toEqual([]);
  });

  it('given an entry gone from the file, then it is removed only if the file still owns it', () => {
    const fleet = fleetOf(item(cfg('a'), 'file'), item(cfg('b'), 'admin'));
    const { plans, memory } = reconcileFleet([], memoryOf(cfg('a'), cfg('b')), fleet, NOW);
    expect(plans.map((p) => [p.events[0]?.type, p.events[0]?.mcp_name])).toEqual([
      ['mcp_removed', 'a'],
    ]);
    expect(memory.size).toBe(0);
  });

  it('given admin-registered MCPs, when the file never listed them, then they are untouched', () => {
    const fleet = fleetOf(item(cfg('x'), 'admin'));
    expect(
      reconcileFleet([cfg('a')], new Map(), fleet, NOW).plans.flatMap((p) => kinds(p.events)),
    ).toEqual(['mcp_registered']);
  });
});
