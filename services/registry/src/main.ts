// Entry point: `pnpm --filter @beacon/registry start` runs one registry (active or standby).
import { createEventLog } from '@beacon/event-log';
import { runService } from '@beacon/runtime';
import { RegistryConfig } from './config.js';
import { createDestinationPolicy } from './destination-policy.js';
import { createHttpAgents } from './http-transport.js';
import { createRegistryMetrics } from './registry-metrics.js';
import { createRegistry } from './registry.js';

await runService({
  name: 'registry',
  config: RegistryConfig,
  id: (config) => config.BEACON_REGISTRY_ID,
  async start({ config, logger, instanceId: holder, redis: connect, health: serve }) {
    const redis = connect('registry');
    const blocking = connect('registry-commands');
    const eventLog = createEventLog(redis, { prefix: config.BEACON_REDIS_PREFIX, logger });
    const metrics = createRegistryMetrics();
    const caFile = config.BEACON_MCP_CA_FILE;
    const policy = createDestinationPolicy({
      deny: config.BEACON_MCP_DENY_CIDRS,
      allow: config.BEACON_MCP_ALLOW_CIDRS,
    });
    const httpAgents = createHttpAgents({
      ...(caFile === undefined ? {} : { extraCa: caFile.certificates }),
      policy,
    });

    const registry = createRegistry({
      eventLog,
      redis,
      blocking,
      holder,
      leaseTtlMs: config.BEACON_REGISTRY_LEASE_TTL_MS,
      fleetFile: config.BEACON_FLEET_FILE,
      fleetFileMaxBytes: config.BEACON_FLEET_FILE_MAX_BYTES,
      engine: {
        failureCyclesToDisable: config.BEACON_FAILURE_CYCLES_TO_DISABLE,
        maxAutoDisabledPercent: config.BEACON_MAX_AUTO_DISABLED_PERCENT,
        toolsRefreshMs: config.BEACON_TOOLS_REFRESH_MS,
        reprobeBaseMs: config.BEACON_REPROBE_BASE_MS,
        reprobeMaxMs: config.BEACON_REPROBE_MAX_MS,
        concurrency: config.BEACON_PROBE_CONCURRENCY,
      },
      probesMaxLen: config.BEACON_PROBES_MAXLEN,
      metricsIntervalMs: config.BEACON_METRICS_INTERVAL_MS,
      probeDigestIntervalMs: config.BEACON_PROBE_DIGEST_INTERVAL_MS,
      commandTtlMs: config.BEACON_REGISTRY_COMMAND_TTL_MS,
      metrics,
      logger,
      httpAgents,
      stdioCommands: config.BEACON_STDIO_COMMANDS,
    });

    let health;
    try {
      health = await serve({
        port: config.BEACON_REGISTRY_HEALTH_PORT,
        host: config.BEACON_REGISTRY_HEALTH_HOST,
        ready: () => redis.status === 'ready' && registry.ready(),
        metrics: () => metrics.registry.render(),
      });
    } catch (err) {
      httpAgents.destroy();
      throw err;
    }

    registry.start();
    logger.info(
      {
        health_port: health.port,
        fleet_file: config.BEACON_FLEET_FILE ?? null,
        mcp_ca_file: caFile === undefined ? null : caFile.file,
        mcp_ca_certificates: caFile?.certificates.length ?? 0,
        mcp_deny_cidrs: policy.deny,
        mcp_allow_cidrs: policy.allow,
        stdio_commands: config.BEACON_STDIO_COMMANDS?.file ?? null,
        stdio_entries: config.BEACON_STDIO_COMMANDS?.entries.size ?? 0,
      },
      `registry ${holder} started (health on :${health.port})`,
    );
    return {
      async stop() {
        await registry.stop();
        httpAgents.destroy();
      },
    };
  },
});
