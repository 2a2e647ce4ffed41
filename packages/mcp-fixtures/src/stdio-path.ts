// Where the runnable stdio MCP test server lives, for `command: process.execPath, args: [path]`.
// Always the built file: Node cannot spawn the TypeScript source.
import { fileURLToPath } from 'node:url';

export const stdioServerScript: string = fileURLToPath(
  new URL('../dist/stdio-server.js', import.meta.url),
);

/** Args for spawning the stdio test server (after `stdioServerScript`). */
export function stdioServerArgs(options: {
  readonly name: string;
  readonly tools?: number;
  readonly faultFile?: string;
  /** Never answer `server/discover` (a 2025 server silent on unknown pre-initialize requests). */
  readonly silentDiscover?: boolean;
}): string[] {
  const args = [stdioServerScript, '--name', options.name];
  if (options.tools !== undefined) args.push('--tools', String(options.tools));
  if (options.faultFile !== undefined) args.push('--fault-file', options.faultFile);
  if (options.silentDiscover === true) args.push('--silent-discover');
  return args;
}

/** The runnable stdio test server of the 2026-07-28 revision (modern-stdio-server.ts). */
export const modernStdioServerScript: string = fileURLToPath(
  new URL('../dist/modern-stdio-server.js', import.meta.url),
);

/** Args for spawning the 2026-07-28 stdio test server (after `modernStdioServerScript`). */
export function modernStdioServerArgs(options: {
  readonly name: string;
  readonly toolsFile?: string;
}): string[] {
  const args = [modernStdioServerScript, '--name', options.name];
  if (options.toolsFile !== undefined) args.push('--tools-file', options.toolsFile);
  return args;
}
