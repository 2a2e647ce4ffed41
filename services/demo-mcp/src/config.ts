// demo-mcp configuration from the environment (validated at start-up, every bad variable named).
import { baseConfig, intFromEnv } from '@beacon/runtime';
import { z } from 'zod';

export const DemoConfig = z.object({
  LOG_LEVEL: baseConfig.LOG_LEVEL,
  BEACON_DEMO_MCP_COUNT: intFromEnv(8, { min: 1, max: 5_000 }),
  /** First MCP port: billing_mcp on 7200, search_mcp on 7201, ... (0 = free ports). */
  BEACON_DEMO_MCP_PORT: intFromEnv(7200, { min: 0, max: 65_535 }),
  BEACON_DEMO_MCP_HOST: z.string().min(1).default('127.0.0.1'),
  /** Control API (fault switches) for tests and the dashboard's demo mode. */
  BEACON_DEMO_CONTROL_PORT: intFromEnv(7100, { min: 0, max: 65_535 }),
  /** Comma-separated origins allowed to call the control API from a browser; `*` = any. */
  BEACON_DEMO_ALLOWED_ORIGINS: z.string().default('*'),
  BEACON_DEMO_TOOLS: intFromEnv(3, { min: 0, max: 1_000 }),
  /** Probe settings written into the fleet file. */
  BEACON_DEMO_PROBE_INTERVAL_MS: intFromEnv(2_000, { min: 100 }),
  BEACON_DEMO_TIMEOUT_MS: intFromEnv(1_000, { min: 10 }),
  /** Same as `--write-fleet <path>`. */
  BEACON_DEMO_FLEET_FILE: z.string().optional(),
});
export type DemoConfig = z.output<typeof DemoConfig>;
