// Entry point: `pnpm --filter @beacon/demo-mcp start [-- --write-fleet <path>]`.
import { parseArgs } from 'node:util';
import { runService } from '@beacon/runtime';
import { DemoConfig } from './config.js';
import { startDemo } from './demo.js';

function fleetFileArg(): string | undefined {
  try {
    const { values } = parseArgs({ options: { 'write-fleet': { type: 'string' } } });
    return values['write-fleet'];
  } catch (err) {
    process.stderr.write(
      `bad command line (usage: main.js [--write-fleet <path>]): ${(err as Error).message}\n`,
    );
    process.exit(1);
  }
}
const fleetFileFromArgs = fleetFileArg();

await runService({
  name: 'demo-mcp',
  config: DemoConfig,
  logBase: () => ({}),
  shutdownTimeoutMs: () => 5_000,
  async start({ config, logger }) {
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
    });
    const fleetFile = fleetFileFromArgs ?? config.BEACON_DEMO_FLEET_FILE;
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
    return { stop: () => demo.close() };
  },
});
