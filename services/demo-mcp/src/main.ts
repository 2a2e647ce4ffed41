// Entry point: `pnpm --filter @beacon/demo-mcp start [-- --write-fleet <path>]`.
import { parseArgs } from 'node:util';
import { createLogger, installShutdown, loadConfigOrExit } from '@beacon/runtime';
import { DemoConfig } from './config.js';
import { startDemo } from './demo.js';

const config = loadConfigOrExit(DemoConfig);
const logger = createLogger({ name: 'demo-mcp', level: config.LOG_LEVEL });

let fleetFile = config.BEACON_DEMO_FLEET_FILE;
try {
  const { values } = parseArgs({ options: { 'write-fleet': { type: 'string' } } });
  fleetFile = values['write-fleet'] ?? fleetFile;
} catch (err) {
  logger.fatal({ err }, 'bad command line (usage: main.js [--write-fleet <path>])');
  process.exit(1);
}

const demo = await startDemo({
  count: config.BEACON_DEMO_MCP_COUNT,
  basePort: config.BEACON_DEMO_MCP_PORT,
  host: config.BEACON_DEMO_MCP_HOST,
  controlPort: config.BEACON_DEMO_CONTROL_PORT,
  allowedOrigins: config.BEACON_DEMO_ALLOWED_ORIGINS.split(',')
    .map((o) => o.trim())
    .filter(Boolean),
  toolCount: config.BEACON_DEMO_TOOLS,
  probeIntervalMs: config.BEACON_DEMO_PROBE_INTERVAL_MS,
  timeoutMs: config.BEACON_DEMO_TIMEOUT_MS,
}).catch((err: unknown) => {
  logger.fatal({ err }, 'could not start the demo fleet');
  process.exit(1);
});
installShutdown(logger, () => demo.close(), { timeoutMs: 5_000 });

if (fleetFile !== undefined) {
  await demo.writeFleetFile(fleetFile);
  logger.info({ path: fleetFile, mcps: demo.fleet.servers.length }, 'fleet file written');
}
logger.info(
  {
    control: demo.control.url,
    servers: demo.fleet.servers.map((s) => ({ name: s.name, url: s.url })),
  },
  `demo MCP fleet up: ${demo.fleet.servers.length} servers, control API at ${demo.control.url}`,
);
