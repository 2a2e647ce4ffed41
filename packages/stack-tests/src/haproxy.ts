// A real HAProxy (Debian's `haproxy` package) in front of N edges for the rolling-deploy test:
// health checks on /readyz, WebSocket tunnels, a retry on another edge when one refuses, and a
// CSV stats page to see which backends HAProxy considers up.
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { startProcess, waitFor, WaitForAbort, type ProcessHandle } from '@beacon/testing';

export interface HaproxyOptions {
  readonly port: number;
  readonly statsPort: number;
  readonly backends: readonly { readonly name: string; readonly port: number }[];
  readonly maxconn?: number;
}

export interface Haproxy {
  readonly url: string;
  readonly process: ProcessHandle;
  /** Backend server name → HAProxy's status ("UP", "DOWN", "MAINT", "UP 1/2", ...). */
  status(): Promise<Map<string, string>>;
  waitStatus(name: string, want: 'UP' | 'DOWN', timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** haproxy lives in /usr/sbin on Debian, which is not on every user's PATH. */
export function haproxyBinary(): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
  const found = dirs
    .filter((d) => d !== '')
    .map((d) => join(d, 'haproxy'))
    .find(executable);
  if (found !== undefined) return found;
  throw new Error(
    'haproxy was not found. Install it: `sudo apt-get install -y haproxy` (Debian/Ubuntu) or ' +
      '`brew install haproxy` (macOS).',
  );
}

export function haproxyConfig(options: HaproxyOptions): string {
  // Each proxied connection needs two descriptors; stay well under a 20,000 `ulimit -n`.
  const maxconn = options.maxconn ?? 8_000;
  const servers = options.backends.map(
    // Checked every 250 ms: one failed /readyz takes a draining edge out, two good ones put a
    // restarted edge back. `observe layer7` also reacts to live errors between checks.
    (b) => `  server ${b.name} 127.0.0.1:${b.port} check inter 250ms fall 1 rise 2`,
  );
  return [
    'global',
    `  maxconn ${maxconn}`,
    '  log stderr format raw local0 warning',
    'defaults',
    '  mode http',
    '  log global',
    `  maxconn ${maxconn}`,
    '  timeout connect 2s',
    '  timeout client 1h',
    '  timeout server 1h',
    '  timeout tunnel 1h',
    '  timeout http-request 10s',
    // A refused or reset connect, or a 503 from a draining edge, is retried on another edge.
    '  retries 3',
    '  option redispatch 1',
    '  retry-on conn-failure empty-response 503',
    'frontend beacon',
    `  bind 127.0.0.1:${options.port}`,
    '  default_backend edges',
    'backend edges',
    '  balance leastconn',
    // HTTP/1.1 with a Host header: uWebSockets.js does not answer HTTP/1.0 requests (haproxy's
    // default check), which would mark every edge down.
    '  option httpchk',
    '  http-check send meth GET uri /readyz ver HTTP/1.1 hdr Host beacon-edge',
    '  http-check expect status 200',
    ...servers,
    'listen stats',
    `  bind 127.0.0.1:${options.statsPort}`,
    '  stats enable',
    '  stats uri /stats',
    '',
  ].join('\n');
}

export async function startHaproxy(options: HaproxyOptions): Promise<Haproxy> {
  const binary = haproxyBinary();
  const dir = mkdtempSync(join(tmpdir(), 'beacon-haproxy-'));
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(file, haproxyConfig(options));
  // -db: foreground, no daemon; -W off: a single process we can signal.
  const proc = await startProcess(binary, ['-f', file, '-db'], { name: 'haproxy' });
  const statsUrl = `http://127.0.0.1:${options.statsPort}/stats;csv`;

  const status = async (): Promise<Map<string, string>> => {
    const res = await fetch(statsUrl, { signal: AbortSignal.timeout(2000) });
    const csv = await res.text();
    const lines = csv.split('\n');
    const header = (lines[0] ?? '').replace(/^# /, '').split(',');
    const col = (name: string) => header.indexOf(name);
    const out = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const f = line.split(',');
      if (f[col('pxname')] !== 'edges') continue;
      const sv = f[col('svname')];
      if (sv === undefined || sv === 'BACKEND' || sv === 'FRONTEND') continue;
      out.set(sv, f[col('status')] ?? '');
    }
    return out;
  };

  try {
    await waitFor(
      async () => {
        if (!proc.running) throw new WaitForAbort(`haproxy exited:\n${proc.output()}`);
        return (await status()).size === options.backends.length;
      },
      {
        timeoutMs: 15_000,
        message: 'haproxy stats to list every backend',
      },
    );
  } catch (err) {
    proc.dump();
    await proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  return Object.freeze({
    url: `http://127.0.0.1:${options.port}`,
    process: proc,
    status,
    waitStatus: async (name: string, want: 'UP' | 'DOWN', timeoutMs = 20_000) => {
      await waitFor(async () => (await status()).get(name)?.startsWith(want) === true, {
        timeoutMs,
        intervalMs: 50,
        message: `haproxy to report ${name} ${want}`,
      });
    },
    stop: async () => {
      await proc.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  });
}
