// Runs one of our services as a real child process for integration tests: output is captured
// (and printed when something goes wrong), readiness is a log line, and the process group is
// killed when the test process exits, whatever happens.
import { spawn } from 'node:child_process';
import { killGroup, trackGroup, untrackGroup } from './reaper.js';
import { waitFor, WaitForAbort } from './helpers.js';

export interface StartProcessOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Label in output and errors; default the command. */
  readonly name?: string;
  readonly cwd?: string;
  /** Resolve only once a stdout/stderr line matches. */
  readonly readyLine?: RegExp;
  readonly readyTimeoutMs?: number;
  /** Do not inherit process.env (only `env`, plus PATH). */
  readonly cleanEnv?: boolean;
}

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ProcessHandle {
  readonly name: string;
  readonly pid: number;
  /** Settles when the process has exited. */
  readonly exited: Promise<ExitInfo>;
  readonly running: boolean;
  /** Captured output lines so far (stdout and stderr interleaved). */
  lines(): readonly string[];
  output(): string;
  /** Wait for an output line (already seen ones count) matching `re`; returns it. */
  waitForLine(re: RegExp, timeoutMs?: number): Promise<string>;
  /** Signal the process group; resolves when it exited (SIGKILL after 10 s). */
  kill(signal?: NodeJS.Signals): Promise<ExitInfo>;
  /** Print the captured output to stderr (call it from a failure path). */
  dump(): void;
}

const MAX_LINES = 5000;

export async function startProcess(
  cmd: string,
  args: readonly string[],
  options: StartProcessOptions = {},
): Promise<ProcessHandle> {
  const name = options.name ?? cmd;
  const env: NodeJS.ProcessEnv = options.cleanEnv
    ? { PATH: process.env.PATH, ...options.env }
    : { ...process.env, ...options.env };
  const child = spawn(cmd, args, {
    env,
    cwd: options.cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const captured: string[] = [];
  let killedByUs = false;
  let alive = true;
  const partial = { out: '', err: '' };
  const take = (which: 'out' | 'err') => (chunk: Buffer) => {
    const text = partial[which] + chunk.toString('utf8');
    const parts = text.split('\n');
    partial[which] = parts.pop() ?? '';
    for (const p of parts) captured.push(p);
    if (captured.length > MAX_LINES) captured.splice(0, captured.length - MAX_LINES);
  };
  child.stdout.on('data', take('out'));
  child.stderr.on('data', take('err'));
  let dumped = false;
  const tail = (): string => captured.slice(-30).join('\n');
  const dump = (): void => {
    process.stderr.write(`----- output of ${name} (pid ${child.pid ?? '?'}) -----\n`);
    process.stderr.write(`${captured.join('\n')}\n----- end of ${name} -----\n`);
  };
  // Printed at most once automatically (unexpected exit, readiness failure); dump() always prints.
  const autoDump = (): void => {
    if (dumped) return;
    dumped = true;
    dump();
  };
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('error', (err) => {
      alive = false;
      captured.push(`spawn error: ${err.message}`);
      resolve({ code: null, signal: null });
    });
    child.once('close', (code, signal) => {
      alive = false;
      for (const k of ['out', 'err'] as const) if (partial[k] !== '') captured.push(partial[k]);
      if (child.pid !== undefined) untrackGroup(child.pid);
      // An exit nobody asked for is always worth seeing.
      if (!killedByUs && code !== 0) autoDump();
      resolve({ code, signal });
    });
  });
  if (child.pid !== undefined) trackGroup(child.pid);

  const waitForLine = async (re: RegExp, timeoutMs = 30_000): Promise<string> => {
    try {
      return await waitFor(
        () => {
          const hit = captured.find((l) => re.test(l));
          if (hit !== undefined) return hit;
          if (!alive) {
            throw new WaitForAbort(`${name} exited before printing ${re}:\n${tail()}`);
          }
          return undefined;
        },
        { timeoutMs, intervalMs: 20, message: `${name} to print ${re}` },
      );
    } catch (err) {
      autoDump();
      throw err;
    }
  };

  const kill = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<ExitInfo> => {
    if (!alive) return exited;
    killedByUs = true;
    if (child.pid !== undefined) killGroup(child.pid, signal);
    const timer = setTimeout(() => {
      if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
    }, 10_000);
    const info = await exited;
    clearTimeout(timer);
    return info;
  };

  const handle: ProcessHandle = Object.freeze({
    name,
    pid: child.pid ?? -1,
    exited,
    get running() {
      return alive;
    },
    lines: () => captured,
    output: () => captured.join('\n'),
    waitForLine,
    kill,
    dump,
  });
  if (options.readyLine !== undefined) {
    try {
      await waitForLine(options.readyLine, options.readyTimeoutMs ?? 30_000);
    } catch (err) {
      await kill('SIGKILL');
      throw err;
    }
  }
  return handle;
}
