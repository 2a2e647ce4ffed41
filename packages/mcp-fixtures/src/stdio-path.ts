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
}): string[] {
  const args = [stdioServerScript, '--name', options.name];
  if (options.tools !== undefined) args.push('--tools', String(options.tools));
  if (options.faultFile !== undefined) args.push('--fault-file', options.faultFile);
  return args;
}
