// Orphan protection for the local stack: a tiny detached process that holds a pipe to the
// supervisor. If the supervisor dies in a way that runs no handler (SIGKILL, OOM), the pipe
// closes and the watchdog kills every child process group and removes the temp dirs.
import { spawn } from 'node:child_process';

const WATCHDOG = `
const { rmSync } = require('node:fs');
const groups = new Set(); const dirs = new Set(); let buf = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buf += chunk; let i;
  while ((i = buf.indexOf('\\n')) >= 0) {
    const line = buf.slice(0, i); buf = buf.slice(i + 1);
    const op = line.slice(0, 2); const arg = line.slice(3);
    if (op === '+g') groups.add(Number(arg)); else if (op === '-g') groups.delete(Number(arg));
    else if (op === '+d') dirs.add(arg); else if (op === '-d') dirs.delete(arg);
  }
});
const reap = () => {
  for (const g of groups) { try { process.kill(-g, 'SIGKILL'); } catch {} }
  setTimeout(() => {
    for (const d of dirs) { try { rmSync(d, { recursive: true, force: true, maxRetries: 5 }); } catch {} }
    process.exit(0);
  }, 300);
};
process.stdin.on('end', reap); process.stdin.on('error', reap);
process.on('SIGINT', () => {}); process.on('SIGTERM', () => {});
`;

export function startWatchdog() {
  const child = spawn(process.execPath, ['-e', WATCHDOG], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  child.unref();
  // The pipe must not keep the supervisor alive once everything else is done.
  child.stdin.unref?.();
  const send = (line) => {
    if (!child.stdin.destroyed) child.stdin.write(`${line}\n`);
  };
  return Object.freeze({
    trackGroup: (pid) => send(`+g ${pid}`),
    untrackGroup: (pid) => send(`-g ${pid}`),
    trackDir: (dir) => send(`+d ${dir}`),
    untrackDir: (dir) => send(`-d ${dir}`),
    /** Normal shutdown: nothing left to reap, let it exit. */
    close: () => child.stdin.end(),
  });
}
