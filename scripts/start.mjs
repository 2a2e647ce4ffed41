#!/usr/bin/env node
// `pnpm start`: the whole Beacon stack on this machine — Redis (REDIS_URL, else a private
// redis-server), registry, breaker, notifier, N edges (ports 3001, 3002, ...), the demo MCP fleet and the
// dashboard served by the edges. Prints the dashboard URL with a fresh admin token, streams every
// service's log with a name prefix, and on Ctrl-C / SIGTERM stops edges first (they drain), then
// the workers and the demo fleet, then the private Redis.
//
// Plain Node ESM on purpose: it must run before anything is built.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { httpOk, startChild, waitUntil } from './stack/children.mjs';
import { randomSecret, signHs256 } from './stack/jwt.mjs';
import { createLogFormatter } from './stack/logs.mjs';
import { MissingRedisError, startPrivateRedis } from './stack/redis.mjs';
import { startWatchdog } from './stack/watchdog.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const USAGE = `Usage: pnpm start [-- options]    (or: node scripts/start.mjs [options])

Runs Redis, registry, breaker, notifier, edge(s), the demo MCP fleet and the dashboard locally.

Options:
  --edges N       number of edges (ports BEACON_EDGE_PORT, +1, ...; default 1)
  --workers N     replicas of registry, breaker and notifier (active/standby; default 1)
  --no-demo       do not start the demo MCP fleet
  --token-ttl S   lifetime of the printed admin token in seconds (default 86400)
  -h, --help      this text

Environment (all optional):
  BEACON_EDGE_PORT    first edge port (default 3001)
  REDIS_URL           use this Redis instead of starting a private redis-server
  BEACON_REDIS_MODE   standalone | cluster (cluster: REDIS_URL is a comma-separated node list)
  BEACON_JWT_SECRET   HS256 secret for tokens (default: a random one for this run)
  BEACON_START_SKIP_BUILD=1   do not build the dashboard (or missing service code)
Every other variable (LOG_LEVEL, BEACON_REDIS_PREFIX, BEACON_DEMO_*, ...) reaches the services.`;

function parseOptions() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        edges: { type: 'string', default: '1' },
        workers: { type: 'string', default: '1' },
        'no-demo': { type: 'boolean', default: false },
        'token-ttl': { type: 'string', default: '86400' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    process.stderr.write(`${err.message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const int = (name, raw, min, max) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      process.stderr.write(`--${name} must be an integer from ${min} to ${max} (got ${raw})\n`);
      process.exit(2);
    }
    return n;
  };
  const basePort = int('BEACON_EDGE_PORT', process.env.BEACON_EDGE_PORT || '3001', 1, 65535);
  return {
    edges: int('edges', values.edges, 1, 32),
    workers: int('workers', values.workers, 1, 4),
    demo: !values['no-demo'],
    tokenTtl: int('token-ttl', values['token-ttl'], 60, 365 * 24 * 3600),
    basePort,
  };
}

const SERVICES = ['edge', 'registry', 'breaker', 'notifier', 'demo-mcp'];

function newestMtime(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

function pnpm(args, what) {
  // Under `pnpm start`, npm_execpath is pnpm's own entry point; otherwise find it on PATH.
  const execpath = process.env.npm_execpath;
  const [command, prefix] =
    execpath !== undefined && /pnpm/.test(execpath) ? [process.execPath, [execpath]] : ['pnpm', []];
  process.stdout.write(`[stack] ${what}: pnpm ${args.join(' ')}\n`);
  const result = spawnSync(command, [...prefix, ...args], { cwd: ROOT, stdio: 'inherit' });
  return result.status === 0;
}

/** Build what is missing: service code (normally built by `pnpm build` first), the dashboard. */
function buildIfNeeded() {
  if (process.env.BEACON_START_SKIP_BUILD === '1') return;
  const missing = SERVICES.filter((s) => !existsSync(join(ROOT, 'services', s, 'dist/main.js')));
  if (missing.length > 0 && !pnpm(['exec', 'tsc', '-b', 'tsconfig.build.json'], 'building')) {
    throw new Error('the TypeScript build failed; fix it or run `pnpm build` to see why');
  }
  const dashboard = join(ROOT, 'services/dashboard');
  const built = join(dashboard, 'dist/index.html');
  if (!existsSync(join(dashboard, 'package.json'))) return;
  const stale =
    !existsSync(built) ||
    Math.max(newestMtime(join(dashboard, 'src')), newestMtime(join(dashboard, 'index.html'))) >
      statSync(built).mtimeMs;
  if (stale && !pnpm(['--filter', '@beacon/dashboard', 'build'], 'building the dashboard')) {
    process.stderr.write('[stack] the dashboard build failed: edges will serve only the API\n');
  }
}

async function main() {
  const options = parseOptions();
  const format = createLogFormatter({
    colour: process.stdout.isTTY === true && process.env.NO_COLOR === undefined,
  });
  const say = (line) => process.stdout.write(`${format.format('stack', line)}\n`);
  const onLine = (name, line) => process.stdout.write(`${format.format(name, line)}\n`);

  const watchdog = startWatchdog();
  const children = [];
  let redis = null;
  let workDir = null;
  let stopping = null;

  const cleanupNow = () => {
    for (const c of children) c.killNow();
    redis?.killNow();
    if (workDir !== null) rmSync(workDir, { recursive: true, force: true });
    watchdog.close();
  };
  // Last resort if this process dies without running stop(): no orphans, no temp dirs.
  process.on('exit', cleanupNow);

  const stop = (reason, code) => {
    if (stopping !== null) return stopping;
    say(`stopping (${reason})`);
    stopping = (async () => {
      const phase = async (names, timeoutMs) => {
        const group = children.filter((c) => names.some((n) => c.name.startsWith(n)));
        await Promise.all(group.map((c) => c.stop(timeoutMs)));
      };
      // Edges first: they drain clients with 1012 while the log is still up.
      await phase(['edge'], 15_000);
      await phase(['registry', 'breaker', 'notifier', 'demo'], 10_000);
      if (redis !== null) {
        await redis.stop(5000);
        say(`private redis stopped, ${redis.dir} removed`);
        redis = null;
      }
      if (workDir !== null) rmSync(workDir, { recursive: true, force: true });
      workDir = null;
      children.length = 0;
      watchdog.close();
      say('stopped');
      process.exitCode = code;
    })();
    return stopping;
  };
  const onSignal = (signal) => {
    if (stopping !== null) {
      say(`${signal} again: killing everything now`);
      cleanupNow();
      process.exit(130);
    }
    void stop(signal, 0);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const onExit = (name, code, signal) => {
    if (stopping !== null) return;
    say(`${name} exited unexpectedly (code ${code}, signal ${signal}); stopping the stack`);
    void stop(`${name} exited`, 1);
  };
  const spawnService = (name, service, env, args = []) => {
    const child = startChild({
      name,
      command: process.execPath,
      args: [join(ROOT, 'services', service, 'dist/main.js'), ...args],
      env: { ...process.env, ...env },
      cwd: join(ROOT, 'services', service),
      onLine,
      onExit,
      watchdog,
    });
    children.push(child);
    say(`${name} started (pid ${child.pid})`);
    return child;
  };

  try {
    buildIfNeeded();
    workDir = mkdtempSync(join(tmpdir(), 'beacon-stack-'));
    watchdog.trackDir(workDir);

    let redisUrl = process.env.REDIS_URL;
    if (redisUrl === undefined || redisUrl.trim() === '') {
      redis = await startPrivateRedis({ onLine, onExit, watchdog });
      redisUrl = redis.url;
      say(`private redis-server on ${redis.url} (pid ${redis.child.pid}, dir ${redis.dir})`);
    } else {
      say(`using REDIS_URL=${redisUrl} (${process.env.BEACON_REDIS_MODE || 'standalone'})`);
    }
    const secret = process.env.BEACON_JWT_SECRET || randomSecret();
    const common = { REDIS_URL: redisUrl, BEACON_JWT_SECRET: secret };

    let fleetFile = process.env.BEACON_FLEET_FILE;
    let controlUrl = null;
    if (options.demo) {
      fleetFile = join(workDir, 'fleet.json');
      const demo = spawnService('demo-mcp', 'demo-mcp', common, ['--write-fleet', fleetFile]);
      await waitUntil(() => existsSync(fleetFile), {
        timeoutMs: 60_000,
        what: 'the demo fleet file',
        child: demo,
      });
      const port = process.env.BEACON_DEMO_CONTROL_PORT || '7100';
      controlUrl = port === '0' ? null : `http://127.0.0.1:${port}`;
    }

    // Worker health/metrics ports: the services' defaults (9101, 9102) or the given base, + 10
    // per extra replica so standbys do not collide with the active one.
    const portFor = (variable, fallback, i) => {
      const base = Number(process.env[variable] || fallback);
      return String(base === 0 ? 0 : base + (i - 1) * 10);
    };
    for (let i = 1; i <= options.workers; i++) {
      const suffix = options.workers === 1 ? '' : `-${i}`;
      spawnService(`registry${suffix}`, 'registry', {
        ...common,
        BEACON_REGISTRY_ID: `registry-${i}`,
        BEACON_REGISTRY_HEALTH_PORT: portFor('BEACON_REGISTRY_HEALTH_PORT', 9101, i),
        ...(fleetFile === undefined ? {} : { BEACON_FLEET_FILE: fleetFile }),
      });
      spawnService(`breaker${suffix}`, 'breaker', {
        ...common,
        BEACON_BREAKER_ID: `breaker-${i}`,
        BEACON_BREAKER_HTTP_PORT: portFor('BEACON_BREAKER_HTTP_PORT', 9102, i),
      });
      spawnService(`notifier${suffix}`, 'notifier', {
        ...common,
        BEACON_NOTIFIER_ID: `notifier-${i}`,
        BEACON_NOTIFIER_HTTP_PORT: portFor('BEACON_NOTIFIER_HTTP_PORT', 9103, i),
      });
    }

    const edges = [];
    for (let i = 0; i < options.edges; i++) {
      const port = options.basePort + i;
      edges.push({
        port,
        child: spawnService(`edge-${i + 1}`, 'edge', {
          ...common,
          BEACON_EDGE_PORT: String(port),
          BEACON_EDGE_ID: `edge-${i + 1}`,
          // The dashboard's demo mode calls the demo control API: let its CSP connect there.
          ...(controlUrl === null ? {} : { BEACON_CSP_CONNECT_SRC: controlUrl }),
        }),
      });
    }
    for (const edge of edges) {
      await waitUntil(() => httpOk(`http://127.0.0.1:${edge.port}/readyz`), {
        timeoutMs: 60_000,
        what: `${edge.child.name} to be ready on port ${edge.port}`,
        child: edge.child,
      });
    }
    if (stopping !== null) return;

    const token = signHs256({ sub: 'local-admin', role: 'admin' }, secret, options.tokenTtl);
    const base = `http://localhost:${options.basePort}`;
    // The token goes last so `token=<JWT>` is easy to cut out of the line.
    const demoParam = controlUrl === null ? '' : `demo=${encodeURIComponent(controlUrl)}&`;
    const lines = [
      '',
      'Beacon is running.',
      `  Dashboard:   ${base}/?${demoParam}token=${token}`,
      `  WebSocket:   ws://localhost:${options.basePort}/ws/mcp-status  (send the token as the "token" query parameter, an Authorization: Bearer header or the beacon_token cookie)`,
      `  Admin API:   curl -H "Authorization: Bearer <token>" ${base}/api/mcps`,
      `  Edges:       ${edges.map((e) => e.port).join(', ')}`,
      `  Redis:       ${redisUrl}${redis === null ? '' : ' (private, removed on exit)'}`,
      ...(controlUrl === null
        ? []
        : [
            `  Demo faults: curl -X POST -d '{"mode":"down"}' ${controlUrl}/servers/billing_mcp/fault`,
          ]),
      '  Press Ctrl-C to stop.',
      '',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } catch (err) {
    if (err instanceof MissingRedisError) process.stderr.write(`[stack] ${err.message}\n`);
    else process.stderr.write(`[stack] could not start the stack: ${err.message}\n`);
    await stop('start-up failed', 1);
  }
}

await main();
