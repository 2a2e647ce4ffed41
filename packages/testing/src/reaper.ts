// Guarantees that nothing a test starts outlives the test process: child process groups and
// temp dirs are tracked here, cleaned on a normal exit, and — because test workers are often
// killed by a signal (no 'exit' handlers run) — also by a detached watchdog that notices its
// stdin pipe closing when this process dies, however it dies.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

const groups = new Set<number>();
const dirs = new Set<string>();
let watchdog: ChildProcess | undefined;
let exitHookInstalled = false;

// Runs in a separate `node -e`; kept dependency-free and tiny.
const WATCHDOG = `
const { rmSync } = require('node:fs');
const groups = new Set(); const dirs = new Set(); let buf = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buf += chunk; let i;
  while ((i = buf.indexOf('\\n')) >= 0) {
    const line = buf.slice(0, i); buf = buf.slice(i + 1);
    const [op, ...rest] = line.split(' '); const arg = rest.join(' ');
    if (op === '+g') groups.add(Number(arg)); else if (op === '-g') groups.delete(Number(arg));
    else if (op === '+d') dirs.add(arg); else if (op === '-d') dirs.delete(arg);
  }
});
const reap = () => {
  for (const g of groups) { try { process.kill(-g, 'SIGKILL'); } catch {} }
  setTimeout(() => {
    for (const d of dirs) { try { rmSync(d, { recursive: true, force: true, maxRetries: 5 }); } catch {} }
    process.exit(0);
  }, 200);
};
process.stdin.on('end', reap); process.stdin.on('error', reap);
process.on('SIGTERM', () => {}); process.on('SIGINT', () => {});
`;

function send(line: string): void {
  if (watchdog === undefined) {
    watchdog = spawn(process.execPath, ['-e', WATCHDOG], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    watchdog.unref();
    // The pipe must not keep this process alive; it only has to close when we die.
    (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    watchdog.stdin?.on('error', () => undefined);
  }
  watchdog.stdin?.write(`${line}\n`);
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const g of groups) killGroup(g, 'SIGKILL');
    for (const d of dirs) removeDir(d);
  });
}

/** Signal a whole process group (children were spawned `detached`, so pid = pgid). */
export function killGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

export function removeDir(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  } catch {
    // Best effort: a leftover temp dir must never fail a test run.
  }
}

export function trackGroup(pgid: number): void {
  installExitHook();
  groups.add(pgid);
  send(`+g ${pgid}`);
}

export function untrackGroup(pgid: number): void {
  if (groups.delete(pgid)) send(`-g ${pgid}`);
}

export function trackDir(dir: string): void {
  installExitHook();
  dirs.add(dir);
  send(`+d ${dir}`);
}

export function untrackDir(dir: string): void {
  if (dirs.delete(dir)) send(`-d ${dir}`);
}
