// Runnable MCP test server of the revision 2026-07-28 over stdio (newline-delimited JSON-RPC):
// `node dist/modern-stdio-server.js --name x [--tools-file path]`. The tools file (a JSON array of
// {name, inputSchema}) is read on every tools/list, so a test can change the tool schema of a
// server that a registry spawned; unreadable or invalid files mean the default tools. A 2025
// client's `initialize` is answered with UnsupportedProtocolVersion (modern-core.ts).
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { modernAnswer, modernTool, type ModernTool } from './modern-core.js';

const { values } = parseArgs({
  options: {
    name: { type: 'string', default: 'modern_stdio_mcp' },
    'tools-file': { type: 'string' },
  },
});
const name = values.name;
const toolsFile = values['tools-file'];
const defaults: readonly ModernTool[] = [modernTool('echo'), modernTool(`${name}_lookup`, ['id'])];

function tools(): readonly ModernTool[] {
  if (toolsFile === undefined) return defaults;
  try {
    const parsed = JSON.parse(readFileSync(toolsFile, 'utf8')) as unknown;
    return Array.isArray(parsed) ? (parsed as ModernTool[]) : defaults;
  } catch {
    return defaults;
  }
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on('line', (line) => {
  if (line.trim() === '') return;
  let message: unknown;
  try {
    message = JSON.parse(line);
  } catch {
    process.stdout.write(
      `${JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } })}\n`,
    );
    return;
  }
  const answer = modernAnswer(message, { name, tools });
  if (answer.body !== undefined) process.stdout.write(`${JSON.stringify(answer.body)}\n`);
});
// The client closing stdin is how a stdio server is told to stop.
lines.on('close', () => process.exit(0));
