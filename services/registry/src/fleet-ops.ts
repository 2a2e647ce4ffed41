// Fleet changes as pure plans: register / update / remove / enable / disable an MCP produce the
// events to append and the resulting fleet entries. Shared by admin commands and the fleet file.
import {
  BeaconError,
  McpConfigInput,
  parseOrThrow,
  type CommandErrorCode,
  type LogEventInput,
  type McpConfig,
  type McpConfigPatch,
  type RegistryCommand,
} from '@beacon/protocol';
import {
  decideDisable,
  decideEnable,
  decideHealthCheckOff,
  initialState,
  type Actor,
  type McpState,
} from './decide.js';

/** Whether the registry probes this MCP at all (`health_check: false` never is). */
export const healthChecked = (config: McpConfig): boolean => config.health_check !== false;

/** Who last registered/updated an entry: the fleet file removes only its own entries. */
export type Owner = 'file' | 'admin';

export interface FleetItem {
  readonly config: McpConfig;
  readonly state: McpState;
  readonly owner: Owner;
}

export interface FleetChange {
  readonly name: string;
  /** The entry after the plan; null = removed. */
  readonly item: FleetItem | null;
  /** Re-probe due time for an auto-disabled MCP: number sets, null clears, undefined keeps. */
  readonly reprobeAt?: number | null;
  /** Drop the current MCP session (transport settings changed) before the next probe. */
  readonly reconnect?: boolean;
  /** Probe as soon as possible (new, re-enabled or changed MCPs). */
  readonly probeNow?: boolean;
}

export interface Plan {
  readonly events: LogEventInput[];
  readonly changes: FleetChange[];
}

export class CommandRefused extends Error {
  override readonly name = 'CommandRefused';
  constructor(
    readonly code: CommandErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const EMPTY_PLAN: Plan = Object.freeze({ events: [], changes: [] });

/** JSON with sorted keys: equal configs compare equal whatever the key order. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
            a < b ? -1 : a > b ? 1 : 0,
          ),
        )
      : v,
  );
}

/** Names of the top-level config fields that differ. */
export function changedFields(a: McpConfig, b: McpConfig): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  const ra = a as unknown as Record<string, unknown>;
  const rb = b as unknown as Record<string, unknown>;
  return [...keys].filter((k) => stableJson(ra[k]) !== stableJson(rb[k])).sort();
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function planRegister(
  existing: FleetItem | undefined,
  config: McpConfig,
  owner: Owner,
  by: Actor,
  now: number,
): Plan {
  // Registering a name that exists updates it (an idempotent upsert; a retried command is a no-op).
  if (existing !== undefined) return planUpdate(existing, config, owner, by, now);
  return {
    events: [{ type: 'mcp_registered', mcp_name: config.name, config, timestamp: iso(now), ...by }],
    changes: [
      {
        name: config.name,
        item: {
          config,
          state: initialState(config.name, config.enabled, healthChecked(config)),
          owner,
        },
        probeNow: config.enabled && healthChecked(config),
      },
    ],
  };
}

export function planUpdate(
  item: FleetItem,
  config: McpConfig,
  owner: Owner,
  by: Actor,
  now: number,
): Plan {
  const changes = changedFields(item.config, config);
  if (changes.length === 0) return EMPTY_PLAN;
  const events: LogEventInput[] = [
    { type: 'mcp_updated', mcp_name: config.name, config, changes, timestamp: iso(now), ...by },
  ];
  let state = item.state;
  let reprobeAt: number | null | undefined;
  let probeNow = changes.some(
    (c) => c === 'transport' || c === 'timeout_ms' || c === 'slow_ms' || c === 'probe_method',
  );
  if (item.config.enabled && !config.enabled) {
    const d = decideDisable(state, by, now);
    events.push(...d.events);
    state = d.next;
    reprobeAt = d.reprobeAt;
    probeNow = false;
  } else if (!item.config.enabled && config.enabled) {
    const d = decideEnable(state, by, now);
    events.push(...d.events);
    state = d.next;
    reprobeAt = d.reprobeAt;
    probeNow = true;
  } else if (state.autoDisabled && config.enabled) {
    // mcp_updated marks the row enabled; a changed config deserves a fresh chance, so say so.
    const d = decideEnable(state, by, now);
    events.push(...d.events.filter((e) => e.type === 'mcp_status_change'));
    state = d.next;
    reprobeAt = d.reprobeAt;
    probeNow = true;
  }
  if (config.enabled && !healthChecked(config)) {
    // Never probed from now on: say so in the row (and lift an auto-disable).
    const d = decideHealthCheckOff(state, by, now);
    events.push(...d.events);
    state = d.next;
    if (d.reprobeAt !== undefined) reprobeAt = d.reprobeAt;
    probeNow = false;
  } else if (!healthChecked(item.config) && healthChecked(config)) {
    probeNow = true;
  }
  return {
    events,
    changes: [
      {
        name: config.name,
        item: { config, state, owner },
        // A new probe_method may need the other protocol generation: connect afresh.
        reconnect: changes.includes('transport') || changes.includes('probe_method'),
        probeNow: probeNow && !state.disabled,
        ...(reprobeAt === undefined ? {} : { reprobeAt }),
      },
    ],
  };
}

export function planRemove(item: FleetItem, by: Actor, now: number): Plan {
  const name = item.config.name;
  return {
    events: [{ type: 'mcp_removed', mcp_name: name, timestamp: iso(now), ...by }],
    changes: [{ name, item: null, reprobeAt: null }],
  };
}

export function applyPatch(config: McpConfig, patch: McpConfigPatch): McpConfig {
  // Re-validated as a whole: a patch can be fine alone and wrong in combination.
  return parseOrThrow(McpConfigInput, { ...config, ...patch, name: config.name }, 'MCP config');
}

/** Plans one admin command against the current fleet; throws CommandRefused when it cannot apply. */
export function planCommand(
  fleet: ReadonlyMap<string, FleetItem>,
  command: RegistryCommand,
  now: number,
): Plan {
  const by: Actor = { actor: command.actor, command_id: command.command_id };
  if (command.type === 'register') {
    return planRegister(fleet.get(command.config.name), command.config, 'admin', by, now);
  }
  const item = fleet.get(command.name);
  if (item === undefined) throw new CommandRefused('not_found', `no MCP named ${command.name}`);
  switch (command.type) {
    case 'update': {
      let config: McpConfig;
      try {
        config = applyPatch(item.config, command.patch);
      } catch (err) {
        throw new CommandRefused('invalid', err instanceof BeaconError ? err.message : String(err));
      }
      return planUpdate(item, config, 'admin', by, now);
    }
    case 'remove':
      return planRemove(item, by, now);
    case 'disable':
      return planUpdate(item, { ...item.config, enabled: false }, item.owner, by, now);
    case 'enable': {
      if (!item.config.enabled)
        return planUpdate(item, { ...item.config, enabled: true }, item.owner, by, now);
      const d = decideEnable(item.state, by, now);
      if (d.events.length === 0) return EMPTY_PLAN;
      return {
        events: d.events,
        changes: [
          {
            name: item.config.name,
            item: { ...item, state: d.next },
            probeNow: true,
            ...(d.reprobeAt === undefined ? {} : { reprobeAt: d.reprobeAt }),
          },
        ],
      };
    }
    case 'probe':
      // Not a fleet change: the command consumer runs it through the engine (probeNow).
      throw new CommandRefused('invalid', 'probe is not a fleet change');
  }
}
