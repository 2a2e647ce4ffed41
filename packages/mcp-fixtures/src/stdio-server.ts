// Runnable MCP test server over stdio: `node dist/stdio-server.js --name x [--tools 3]
// [--fault-file path] [--silent-discover]`. The fault file (a mode word or a FaultRequest JSON) is read on every
// message, so a test can switch a server that a registry spawned: `down` makes the process exit
// (and exit again at once on every respawn), `error` answers JSON-RPC errors, `slow` delays.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { isJSONRPCRequest, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { applyFault, effectiveMode, FaultMode, FaultRequest, initialFault } from './fault.js';
import { createToolCatalog, defaultTools } from './tools.js';

const { values } = parseArgs({
  options: {
    name: { type: 'string', default: 'stdio_mcp' },
    tools: { type: 'string', default: '3' },
    'fault-file': { type: 'string' },
    /** Never answer `server/discover` (some 2025 servers ignore unknown pre-initialize requests). */
    'silent-discover': { type: 'boolean', default: false },
  },
});
const name = values.name;
const faultFile = values['fault-file'];
const startedAt = Date.now();

/** The switch as the file says now; unreadable or invalid files mean `ok`. */
function currentMode(): Exclude<FaultMode, 'flap'> | 'unknown' {
  if (faultFile === undefined) return 'ok';
  let text: string;
  try {
    text = readFileSync(faultFile, 'utf8').trim();
  } catch {
    return 'ok';
  }
  const asMode = FaultMode.safeParse(text);
  let request: FaultRequest | null = asMode.success ? { mode: asMode.data } : null;
  if (request === null) {
    try {
      const parsed = FaultRequest.safeParse(JSON.parse(text));
      request = parsed.success ? parsed.data : null;
    } catch {
      request = null;
    }
  }
  if (request === null) return 'unknown';
  return effectiveMode(applyFault(initialFault(startedAt), request, startedAt), Date.now());
}

if (currentMode() === 'down') process.exit(3);

const inner = new StdioServerTransport();
// A Transport that sits between the SDK server and stdio and applies the fault switch.
const faulty: Transport = {
  start: () => inner.start(),
  send: (message) => inner.send(message),
  close: () => inner.close(),
};
inner.onclose = () => faulty.onclose?.();
inner.onerror = (err) => faulty.onerror?.(err);
inner.onmessage = (message: JSONRPCMessage) => {
  if (
    values['silent-discover'] &&
    isJSONRPCRequest(message) &&
    message.method === 'server/discover'
  )
    return;
  const mode = currentMode();
  if (mode === 'down') process.exit(3);
  if (mode === 'error' && isJSONRPCRequest(message)) {
    void inner.send({
      jsonrpc: '2.0',
      id: message.id,
      error: { code: -32603, message: `injected fault: ${name} is in error mode` },
    });
    return;
  }
  if (mode === 'slow') {
    let slowMs = 2_000;
    try {
      const parsed = FaultRequest.safeParse(JSON.parse(readFileSync(faultFile ?? '', 'utf8')));
      if (parsed.success && parsed.data.slow_ms !== undefined) slowMs = parsed.data.slow_ms;
    } catch {
      // plain "slow": keep the default delay
    }
    setTimeout(() => faulty.onmessage?.(message), slowMs);
    return;
  }
  faulty.onmessage?.(message);
};

const catalog = createToolCatalog(name, defaultTools(name, Number(values.tools) || 3));
const { server } = catalog.createServer();
await server.connect(faulty);
// The client closing stdin is how a stdio server is told to stop.
process.stdin.on('end', () => process.exit(0));
