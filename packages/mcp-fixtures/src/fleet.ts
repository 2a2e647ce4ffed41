// Many MCP test servers in one process: one node:http listener per server (so `down` can really
// refuse connections for one server and not the others), started in small batches.
import type { FaultMode, FaultRequest } from './fault.js';
import { startMcpTestServer, type McpTestServer, type McpTestServerInfo } from './http-server.js';

const DOMAINS = [
  'billing',
  'search',
  'weather',
  'calendar',
  'email',
  'crm',
  'payments',
  'inventory',
  'analytics',
  'docs',
  'support',
  'shipping',
  'auth',
  'maps',
  'translate',
  'storage',
];

/** `billing_mcp`, `search_mcp`, ... then `billing_2_mcp`, `search_2_mcp`, ... */
export function demoServerName(index: number): string {
  const domain = DOMAINS[index % DOMAINS.length] ?? 'demo';
  const round = Math.floor(index / DOMAINS.length);
  return round === 0 ? `${domain}_mcp` : `${domain}_${round + 1}_mcp`;
}

export interface McpFleetOptions {
  readonly count: number;
  /** Server i listens on basePort + i; default: free ports. */
  readonly basePort?: number;
  readonly host?: string;
  readonly names?: readonly string[];
  readonly toolCount?: number;
  readonly fault?: FaultMode;
  readonly maxSessions?: number;
}

/** A fleet-file entry (the registry's `McpConfigInput` shape) for one server. */
export interface FleetEntry {
  readonly name: string;
  readonly transport: { readonly type: 'streamable-http'; readonly url: string };
  readonly probe_interval_ms?: number;
  readonly timeout_ms?: number;
  readonly tags?: readonly string[];
  readonly [key: string]: unknown;
}

export interface McpFleet {
  readonly servers: readonly McpTestServer[];
  get(name: string): McpTestServer | undefined;
  setFault(name: string, request: FaultRequest | FaultMode): Promise<McpTestServerInfo>;
  setAll(request: FaultRequest | FaultMode): Promise<void>;
  info(): McpTestServerInfo[];
  /** Registry fleet entries for every server, with `extra` fields merged in. */
  entries(extra?: Omit<Partial<FleetEntry>, 'name' | 'transport'>): FleetEntry[];
  close(): Promise<void>;
}

export class UnknownServerError extends Error {
  override readonly name = 'UnknownServerError';
}

export async function startMcpFleet(options: McpFleetOptions): Promise<McpFleet> {
  const names = Array.from(
    { length: options.count },
    (_, i) => options.names?.[i] ?? demoServerName(i),
  );
  if (new Set(names).size !== names.length) throw new TypeError('MCP server names must be unique');
  const servers: McpTestServer[] = [];
  const byName = new Map<string, McpTestServer>();
  try {
    // Batches keep start-up from opening hundreds of listeners in one tick.
    for (let i = 0; i < names.length; i += 50) {
      const batch = await Promise.all(
        names.slice(i, i + 50).map((name, j) =>
          startMcpTestServer({
            name,
            port: options.basePort === undefined ? 0 : options.basePort + i + j,
            ...(options.host === undefined ? {} : { host: options.host }),
            ...(options.toolCount === undefined ? {} : { toolCount: options.toolCount }),
            ...(options.fault === undefined ? {} : { fault: options.fault }),
            ...(options.maxSessions === undefined ? {} : { maxSessions: options.maxSessions }),
          }),
        ),
      );
      for (const s of batch) {
        servers.push(s);
        byName.set(s.name, s);
      }
    }
  } catch (err) {
    await Promise.all(servers.map((s) => s.close()));
    throw err;
  }

  const need = (name: string): McpTestServer => {
    const s = byName.get(name);
    if (s === undefined) throw new UnknownServerError(`no demo MCP server named ${name}`);
    return s;
  };

  return Object.freeze({
    servers,
    get: (name: string) => byName.get(name),
    async setFault(name: string, request: FaultRequest | FaultMode) {
      const s = need(name);
      await s.setFault(request);
      return s.info();
    },
    async setAll(request: FaultRequest | FaultMode) {
      await Promise.all(servers.map((s) => s.setFault(request)));
    },
    info: () => servers.map((s) => s.info()),
    entries: (extra = {}) =>
      servers.map((s) => ({
        ...extra,
        name: s.name,
        transport: { type: 'streamable-http' as const, url: s.url },
      })),
    async close() {
      await Promise.all(servers.map((s) => s.close()));
    },
  });
}
