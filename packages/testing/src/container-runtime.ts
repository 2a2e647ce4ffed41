// Decides, quickly and once per process, whether a container runtime answers. testcontainers'
// own discovery can take many seconds to give up, so we first look for a socket or DOCKER_HOST
// and ping it with a short timeout; only a runtime that answers is handed to testcontainers.
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { homedir } from 'node:os';
import { join } from 'node:path';

let cached: Promise<boolean> | undefined;

function candidates(): string[] {
  const out: string[] = [];
  if (process.env.DOCKER_HOST) out.push(process.env.DOCKER_HOST);
  try {
    const props = readFileSync(join(homedir(), '.testcontainers.properties'), 'utf8');
    const m = /^docker\.host\s*=\s*(.+)$/m.exec(props);
    if (m?.[1]) out.push(m[1].trim());
  } catch {
    // No properties file: the usual case.
  }
  const runtimeDir = process.env.XDG_RUNTIME_DIR;
  const sockets = [
    '/var/run/docker.sock',
    join(homedir(), '.docker/run/docker.sock'),
    join(homedir(), '.docker/desktop/docker.sock'),
    ...(runtimeDir
      ? [join(runtimeDir, 'docker.sock'), join(runtimeDir, 'podman/podman.sock')]
      : []),
    '/run/podman/podman.sock',
  ];
  for (const s of sockets) if (existsSync(s)) out.push(`unix://${s}`);
  return out;
}

function ping(endpoint: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let target: { socketPath: string } | { host: string; port: number };
    if (endpoint.startsWith('unix://')) target = { socketPath: endpoint.slice('unix://'.length) };
    else if (endpoint.startsWith('tcp://') || endpoint.startsWith('http://')) {
      const u = new URL(endpoint.replace(/^tcp:/, 'http:'));
      target = { host: u.hostname, port: Number(u.port || 2375) };
    } else return resolve(false); // ssh:// and TLS endpoints: let the caller fall through.
    const req = request({ ...target, path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/**
 * True when a Docker-compatible runtime answers within ~1.5 s. `BEACON_TESTCONTAINERS=0`
 * disables containers, `=1` skips the check (trust testcontainers' own discovery).
 */
export function containerRuntimeAvailable(): Promise<boolean> {
  cached ??= (async () => {
    const flag = process.env.BEACON_TESTCONTAINERS;
    if (flag === '0' || flag === 'false') return false;
    if (flag === '1' || flag === 'true') return true;
    for (const endpoint of candidates()) if (await ping(endpoint, 1500)) return true;
    return false;
  })();
  return cached;
}
