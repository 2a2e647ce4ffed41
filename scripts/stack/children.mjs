// Child processes of the local stack: spawned in their own process group (so a terminal Ctrl-C
// reaches only the supervisor, which then stops them in order), output forwarded line by line,
// stopped with SIGTERM and, after a deadline, SIGKILL.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { forEachLine } from './logs.mjs';

/**
 * Start `command args` as service `name`. `onLine(name, line)` gets every output line,
 * `onExit(name, code, signal)` is called once when it ends.
 */
export function startChild({ name, command, args, env, cwd, onLine, onExit, watchdog }) {
  const child = spawn(command, args, {
    env,
    cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let exitInfo = null;
  if (child.pid !== undefined) watchdog?.trackGroup(child.pid);
  const exited = new Promise((resolve) => {
    child.once('error', (err) => {
      onLine(name, `could not start ${command}: ${err.message}`);
      exitInfo = { code: null, signal: null };
      resolve(exitInfo);
    });
    child.once('close', (code, signal) => {
      exitInfo = { code, signal };
      resolve(exitInfo);
    });
  });
  void exited.then(({ code, signal }) => {
    if (child.pid !== undefined) watchdog?.untrackGroup(child.pid);
    onExit?.(name, code, signal);
  });
  forEachLine(child.stdout, (line) => onLine(name, line));
  forEachLine(child.stderr, (line) => onLine(name, line));

  const signalGroup = (signal) => {
    if (exitInfo !== null || child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // the group is already gone
    }
  };

  return Object.freeze({
    name,
    pid: child.pid,
    exited,
    get running() {
      return exitInfo === null;
    },
    signal: signalGroup,
    /** SIGTERM, then SIGKILL after `timeoutMs`; resolves with how it ended. */
    async stop(timeoutMs) {
      if (exitInfo !== null) return exitInfo;
      signalGroup('SIGTERM');
      const timer = setTimeout(() => {
        onLine(name, `still running ${timeoutMs} ms after SIGTERM; sending SIGKILL`);
        signalGroup('SIGKILL');
      }, timeoutMs);
      const info = await exited;
      clearTimeout(timer);
      return info;
    },
    /** Synchronous last resort for process 'exit': no waiting possible there. */
    killNow() {
      signalGroup('SIGKILL');
    },
  });
}

/** Poll `check` until it returns true, the child dies (throws) or the deadline passes. */
export async function waitUntil(check, { timeoutMs, what, child }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child !== undefined && !child.running) {
      throw new Error(`${child.name} exited while waiting for ${what}`);
    }
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** GET a URL on loopback with a short timeout; true when it answers 2xx. */
export async function httpOk(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await res.arrayBuffer();
  return res.ok;
}

/** True when a Redis at host:port answers PING (raw RESP, no client library needed). */
export function redisPing(host, port) {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let reply = '';
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('*1\r\n$4\r\nPING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}
