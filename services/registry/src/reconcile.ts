// Reconciles the fleet file with the fleet. The rule: the file acts only on its own changes.
//  - An entry that is new or changed in the file (compared with what the file said last time)
//    is registered or updated, and the file becomes its owner.
//  - An entry unchanged in the file is left alone, so an admin's later edit or removal sticks
//    until someone edits that entry in the file.
//  - An entry that disappears from the file is removed only if the file still owns it (an admin
//    who registered or updated the same name since then has taken it over).
// "What the file said last time" is kept in Redis beside the log, so this holds across restarts
// and leader changes.
import type { McpConfig } from '@beacon/protocol';
import type { Actor } from './decide.js';
import { planRegister, planRemove, stableJson, type FleetItem, type Plan } from './fleet-ops.js';

export const FILE_ACTOR: Actor = { actor: 'fleet-file' };

export interface ReconcileResult {
  /** One plan per changed MCP, in file order, then removals. */
  readonly plans: Plan[];
  /** What the file says now: the memory for the next reconcile. */
  readonly memory: Map<string, McpConfig>;
}

export function reconcileFleet(
  entries: readonly McpConfig[],
  memory: ReadonlyMap<string, McpConfig>,
  fleet: ReadonlyMap<string, FleetItem>,
  now: number,
): ReconcileResult {
  const plans: Plan[] = [];
  const next = new Map<string, McpConfig>();
  for (const config of entries) {
    next.set(config.name, config);
    const before = memory.get(config.name);
    if (before !== undefined && stableJson(before) === stableJson(config)) continue;
    const plan = planRegister(fleet.get(config.name), config, 'file', FILE_ACTOR, now);
    if (plan.events.length > 0) plans.push(plan);
  }
  for (const name of memory.keys()) {
    if (next.has(name)) continue;
    const item = fleet.get(name);
    if (item !== undefined && item.owner === 'file') plans.push(planRemove(item, FILE_ACTOR, now));
  }
  return { plans, memory: next };
}
