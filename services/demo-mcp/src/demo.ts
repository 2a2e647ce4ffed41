// The demo fleet: N real streamable-HTTP MCP servers on consecutive ports, their control API
// (fault switches, tool changes; CORS for the dashboard's demo mode) and the fleet file that
// tells a registry about them.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  startFleetControl,
  startMcpFleet,
  type FleetControl,
  type FleetEntry,
  type McpFleet,
} from '@beacon/mcp-fixtures';

export interface DemoOptions {
  readonly count: number;
  /** First MCP port (server i on basePort + i); 0 = free ports (tests). */
  readonly basePort: number;
  readonly host: string;
  /** Control API port; 0 = a free port. */
  readonly controlPort: number;
  readonly allowedOrigins: readonly string[];
  readonly toolCount: number;
  /** Probe settings written into the fleet file. */
  readonly probeIntervalMs: number;
  readonly timeoutMs: number;
}

export interface Demo {
  readonly fleet: McpFleet;
  readonly control: FleetControl;
  /** Fleet-file entries (registry `McpConfigInput` shape) for every demo server. */
  entries(): FleetEntry[];
  writeFleetFile(path: string): Promise<void>;
  close(): Promise<void>;
}

export async function startDemo(options: DemoOptions): Promise<Demo> {
  const fleet = await startMcpFleet({
    count: options.count,
    host: options.host,
    toolCount: options.toolCount,
    ...(options.basePort === 0 ? {} : { basePort: options.basePort }),
  });
  let control: FleetControl;
  try {
    control = await startFleetControl(fleet, {
      port: options.controlPort,
      host: options.host,
      allowedOrigins: options.allowedOrigins,
    });
  } catch (err) {
    await fleet.close();
    throw err;
  }
  const entries = (): FleetEntry[] =>
    fleet.entries({
      probe_interval_ms: options.probeIntervalMs,
      timeout_ms: options.timeoutMs,
      tags: ['demo'],
    });
  return Object.freeze({
    fleet,
    control,
    entries,
    async writeFleetFile(path: string): Promise<void> {
      await mkdir(dirname(path), { recursive: true });
      // Write-then-rename so a registry watching the file never reads half of it.
      const tmp = `${path}.${process.pid}.tmp`;
      await writeFile(tmp, `${JSON.stringify({ mcps: entries() }, null, 2)}\n`);
      await rename(tmp, path);
    },
    async close(): Promise<void> {
      await control.close();
      await fleet.close();
    },
  });
}
