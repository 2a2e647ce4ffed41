// Graceful shutdown: the first SIGTERM/SIGINT runs `stop` (drain, close connections) and exits
// 0; an error or the timeout exits 1; a second signal exits at once. Unhandled errors are
// logged and shut the process down the same way rather than killing it mid-write.
import type { Logger } from 'pino';

export interface ShutdownOptions {
  readonly timeoutMs?: number;
  readonly signals?: readonly NodeJS.Signals[];
  /** Injected in tests; default process.exit. */
  readonly exit?: (code: number) => void;
  /** Also shut down on uncaughtException / unhandledRejection (default true). */
  readonly onFatal?: boolean;
}

export interface Shutdown {
  /** Start shutting down (idempotent); resolves with the exit code once stop settled. */
  trigger(reason: string): Promise<number>;
  readonly stopping: boolean;
  /** Remove the handlers (tests). */
  uninstall(): void;
}

export function installShutdown(
  logger: Logger,
  stop: () => Promise<void>,
  options: ShutdownOptions = {},
): Shutdown {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const log = logger.child({ component: 'shutdown' });
  let running: Promise<number> | undefined;
  let fatalSeen = false;

  const trigger = (reason: string): Promise<number> => {
    if (running !== undefined) return running;
    log.info({ reason, timeoutMs }, 'shutting down');
    running = (async () => {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
        timer.unref();
      });
      let code = 0;
      try {
        const outcome = await Promise.race([stop().then(() => 'done' as const), timedOut]);
        if (outcome === 'timeout') {
          log.error({ timeoutMs }, 'shutdown timed out; exiting hard');
          code = 1;
        } else log.info('stopped cleanly');
      } catch (err) {
        log.error({ err }, 'error while stopping');
        code = 1;
      } finally {
        clearTimeout(timer);
      }
      if (fatalSeen) code = 1;
      logger.flush();
      exit(code);
      return code;
    })();
    return running;
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    if (running !== undefined) {
      log.warn({ signal }, 'second signal during shutdown; exiting now');
      logger.flush();
      exit(1);
      return;
    }
    void trigger(signal);
  };
  const onFatal = (err: unknown): void => {
    fatalSeen = true;
    log.fatal({ err }, 'fatal error');
    void trigger('fatal error');
  };

  for (const s of signals) process.on(s, onSignal);
  const fatal = options.onFatal ?? true;
  if (fatal) {
    process.on('uncaughtException', onFatal);
    process.on('unhandledRejection', onFatal);
  }

  return {
    trigger,
    get stopping() {
      return running !== undefined;
    },
    uninstall: () => {
      for (const s of signals) process.off(s, onSignal);
      if (fatal) {
        process.off('uncaughtException', onFatal);
        process.off('unhandledRejection', onFatal);
      }
    },
  };
}
