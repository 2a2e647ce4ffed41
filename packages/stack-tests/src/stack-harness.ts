// Runs `node scripts/start.mjs` as a real process for whole-stack tests and reads what it prints:
// the admin token, the pid of every child and of the private Redis. Also a small WebSocket
// collector that folds the fleet state the way a dashboard would.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServerMessage } from '@beacon/protocol';
import { startProcess, waitFor, type ProcessHandle } from '@beacon/testing';
import WebSocket from 'ws';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const START_SCRIPT = resolve(REPO_ROOT, 'scripts/start.mjs');

export interface StackChild {
  readonly name: string;
  readonly pid: number;
}

export interface RunningStack {
  readonly process: ProcessHandle;
  readonly token: string;
  readonly edgePort: number;
  readonly children: readonly StackChild[];
  /** The private redis-server, when the stack started one. */
  readonly redis: { readonly pid: number; readonly port: number; readonly dir: string } | null;
  /** SIGINT (what Ctrl-C sends) to the supervisor only; resolves with its exit. */
  interrupt(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface RunStackOptions {
  readonly edgePort: number;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly args?: readonly string[];
  readonly readyTimeoutMs?: number;
}

/** Start the stack and wait until it printed the dashboard URL with a token. */
export async function runStack(options: RunStackOptions): Promise<RunningStack> {
  const proc = await startProcess(process.execPath, [START_SCRIPT, ...(options.args ?? [])], {
    name: 'pnpm start',
    cwd: REPO_ROOT,
    env: {
      // The caller's Redis choice only: never inherit REDIS_URL from the test environment.
      REDIS_URL: undefined,
      BEACON_REDIS_MODE: undefined,
      BEACON_JWT_SECRET: undefined,
      BEACON_START_SKIP_BUILD: '1',
      NO_COLOR: '1',
      BEACON_EDGE_PORT: String(options.edgePort),
      // Free ports for the workers' health endpoints: tests run beside other stacks.
      BEACON_REGISTRY_HEALTH_PORT: '0',
      BEACON_BREAKER_HTTP_PORT: '0',
      ...options.env,
    },
    readyLine: /token=[\w-]+\.[\w-]+\.[\w-]+/,
    readyTimeoutMs: options.readyTimeoutMs ?? 120_000,
  });
  const lines = proc.lines();
  const tokenLine = lines.find((l) => /token=/.test(l)) ?? '';
  const token = /token=([\w-]+\.[\w-]+\.[\w-]+)/.exec(tokenLine)?.[1];
  if (token === undefined) throw new Error(`no token in ${tokenLine}`);
  const children: StackChild[] = [];
  for (const line of lines) {
    const m = /\| (\S+) started \(pid (\d+)\)/.exec(line);
    if (m !== null) children.push({ name: m[1]!, pid: Number(m[2]) });
  }
  const r = lines
    .map((l) =>
      /private redis-server on redis:\/\/127\.0\.0\.1:(\d+) \(pid (\d+), dir (\S+)\)/.exec(l),
    )
    .find((m) => m !== null);
  const redis =
    r === undefined || r === null ? null : { port: Number(r[1]), pid: Number(r[2]), dir: r[3]! };
  return Object.freeze({
    process: proc,
    token,
    edgePort: options.edgePort,
    children,
    redis,
    interrupt: () => proc.kill('SIGINT'),
  });
}

/** True while a process with this pid exists (zombies included). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function directoryExists(path: string): boolean {
  return existsSync(path);
}

export interface FleetRow {
  readonly name: string;
  readonly health_status: string;
}

/**
 * A WebSocket client that validates every frame with the protocol schema and keeps the fleet
 * state: `initial_status` replaces it, fleet/status events update it.
 */
export interface Collector {
  readonly messages: readonly ServerMessage[];
  readonly fleet: ReadonlyMap<string, FleetRow>;
  readonly invalid: readonly string[];
  readonly closed: { code: number; reason: string } | null;
  waitFor<T>(cond: (c: Collector) => T, what: string, timeoutMs?: number): Promise<NonNullable<T>>;
  close(): Promise<void>;
}

export async function connectCollector(url: string): Promise<Collector> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const messages: ServerMessage[] = [];
  const invalid: string[] = [];
  const fleet = new Map<string, FleetRow>();
  let closed: { code: number; reason: string } | null = null;
  ws.on('message', (data, isBinary) => {
    const text = isBinary ? '<binary>' : (data as Buffer).toString('utf8');
    if (text === 'pong') return;
    let parsed: ReturnType<typeof ServerMessage.safeParse>;
    try {
      parsed = ServerMessage.safeParse(JSON.parse(text));
    } catch {
      invalid.push(text);
      return;
    }
    if (!parsed.success) {
      invalid.push(text);
      return;
    }
    const m = parsed.data;
    messages.push(m);
    switch (m.type) {
      case 'initial_status':
        fleet.clear();
        for (const row of m.mcps) fleet.set(row.name, row);
        break;
      case 'mcp_registered':
        if (!fleet.has(m.mcp_name))
          fleet.set(m.mcp_name, { name: m.mcp_name, health_status: 'unknown' });
        break;
      case 'mcp_removed':
        fleet.delete(m.mcp_name);
        break;
      case 'mcp_status_change':
        fleet.set(m.mcp_name, { name: m.mcp_name, health_status: m.status });
        break;
      default:
        break;
    }
  });
  ws.on('close', (code, reason) => {
    closed = { code, reason: reason.toString('utf8') };
  });
  await new Promise<void>((resolveOpen, reject) => {
    ws.once('open', () => resolveOpen());
    ws.once('unexpected-response', (_req, res) =>
      reject(new Error(`upgrade refused: HTTP ${res.statusCode ?? '?'}`)),
    );
    ws.once('error', reject);
  });
  const collector: Collector = {
    messages,
    fleet,
    invalid,
    get closed() {
      return closed;
    },
    waitFor: (cond, what, timeoutMs = 60_000) =>
      waitFor(() => cond(collector), { timeoutMs, intervalMs: 50, message: what }),
    close: async () => {
      if (ws.readyState === WebSocket.CLOSED) return;
      const done = new Promise<void>((r) => ws.once('close', () => r()));
      ws.close(1000);
      await done;
    },
  };
  return collector;
}
