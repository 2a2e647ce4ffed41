import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';
import { installShutdown } from './shutdown.js';

const silent = createLogger({
  name: 'test',
  destination: new Writable({ write: (_c, _e, done) => done() }),
});

describe('installShutdown', () => {
  it('runs stop once and exits 0 when it succeeds', async () => {
    const codes: number[] = [];
    let stops = 0;
    const s = installShutdown(
      silent,
      () => {
        stops++;
        return Promise.resolve();
      },
      {
        exit: (c) => codes.push(c),
        signals: [],
        onFatal: false,
      },
    );
    const [a, b] = await Promise.all([s.trigger('test'), s.trigger('again')]);
    s.uninstall();
    expect([a, b, stops, codes]).toEqual([0, 0, 1, [0]]);
  });

  it('exits 1 when stop hangs past the timeout', async () => {
    const codes: number[] = [];
    const s = installShutdown(silent, () => new Promise<void>(() => undefined), {
      timeoutMs: 50,
      exit: (c) => codes.push(c),
      signals: [],
      onFatal: false,
    });
    expect(await s.trigger('test')).toBe(1);
    s.uninstall();
    expect(codes).toEqual([1]);
  });

  it('handles a real SIGTERM', async () => {
    const codes: number[] = [];
    let stopped = false;
    const s = installShutdown(
      silent,
      () => {
        stopped = true;
        return Promise.resolve();
      },
      {
        exit: (c) => codes.push(c),
        signals: ['SIGUSR2'],
        onFatal: false,
      },
    );
    process.kill(process.pid, 'SIGUSR2');
    await expect.poll(() => codes, { timeout: 5000 }).toEqual([0]);
    s.uninstall();
    expect(stopped).toBe(true);
  });
});
