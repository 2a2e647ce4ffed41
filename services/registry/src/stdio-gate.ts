// The registry's own check of admin commands that touch stdio transports: the edge refuses
// scoped admins already, but the command stream is writable by anyone with Redis access, so
// nothing that reaches planCommand may bypass the allow-list.
import type { McpConfig, RegistryCommand } from '@beacon/protocol';
import { applyPatch, CommandRefused, type FleetItem } from './fleet-ops.js';
import { checkCallerStdio, StdioRefused, type StdioAllowList } from './stdio-commands.js';

/** The config a register/update would leave (undefined: not a config change, or invalid). */
function resulting(
  fleet: ReadonlyMap<string, FleetItem>,
  command: RegistryCommand,
): { before: McpConfig | undefined; after: McpConfig | undefined } {
  if (command.type === 'register') {
    return { before: fleet.get(command.config.name)?.config, after: command.config };
  }
  if (command.type !== 'update') return { before: undefined, after: undefined };
  const item = fleet.get(command.name);
  if (item === undefined) return { before: undefined, after: undefined };
  try {
    return { before: item.config, after: applyPatch(item.config, command.patch) };
  } catch {
    // planCommand answers the invalid patch itself.
    return { before: item.config, after: undefined };
  }
}

/** Throws CommandRefused when the command would run or change a stdio process it may not. */
export function checkStdioCommand(
  fleet: ReadonlyMap<string, FleetItem>,
  command: RegistryCommand,
  list: StdioAllowList | undefined,
): void {
  const { before, after } = resulting(fleet, command);
  if (after === undefined) return;
  const wasStdio = before?.transport.type === 'stdio';
  const isStdio = after.transport.type === 'stdio';
  if (!wasStdio && !isStdio) return;
  if (command.scoped === true) {
    const transportChanged =
      before === undefined || JSON.stringify(before.transport) !== JSON.stringify(after.transport);
    if (isStdio || transportChanged) {
      throw new CommandRefused(
        'forbidden',
        'stdio transports cannot be registered or changed by a scoped admin (token with an mcps claim)',
      );
    }
  }
  if (after.transport.type !== 'stdio') return;
  try {
    checkCallerStdio(list, after.transport);
  } catch (err) {
    if (err instanceof StdioRefused) throw new CommandRefused(err.code, err.message);
    throw err;
  }
}
