// Watches the fleet file and reconciles it into the fleet on start and on every change. The
// directory is watched (editors and `mv` replace the file, which a file watch would lose) and the
// file's mtime/size is also polled, because fs.watch is not reliable on every filesystem.
import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Engine } from './engine.js';
import { describeFleetIssue, type ParsedFleetFile } from './fleet-file.js';
import {
  DEFAULT_FLEET_FILE_MAX_BYTES,
  FleetFileRefused,
  readFleetFile,
  type FleetReadLimits,
} from './fleet-file-read.js';
import { reconcileFleet } from './reconcile.js';
import type { RegistryMetrics } from './registry-metrics.js';
import type { RegistryStore } from './store.js';
import type { Fence } from '@beacon/event-log';
import type { McpConfig } from '@beacon/protocol';

export interface FleetWatcher {
  /** Reload now (also runs on start). Resolves when the reconcile is in the log. */
  reload(): Promise<void>;
  stop(): Promise<void>;
}

export function startFleetWatcher(options: {
  readonly path: string;
  readonly engine: Engine;
  readonly store: RegistryStore;
  readonly fence: Fence;
  readonly memory: Map<string, McpConfig>;
  readonly metrics: RegistryMetrics;
  readonly logger: Logger;
  readonly pollMs?: number;
  readonly limits?: Partial<FleetReadLimits>;
}): FleetWatcher {
  const path = resolve(options.path);
  const log = options.logger.child({ component: 'fleet-file', path });
  let memory = options.memory;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let again = false;
  let busy = false;
  let lastSeen = '';
  let debounce: NodeJS.Timeout | null = null;
  const limits: FleetReadLimits = {
    maxBytes: options.limits?.maxBytes ?? DEFAULT_FLEET_FILE_MAX_BYTES,
    parseTimeoutMs: options.limits?.parseTimeoutMs ?? 60_000,
  };

  const reconcileOnce = async (): Promise<void> => {
    let parsed: ParsedFleetFile;
    try {
      parsed = await readFleetFile(path, limits);
    } catch (err) {
      // Nothing is removed for a file that is missing, too large, empty or unparseable: a wrong
      // path or a half-written file must not take the fleet down.
      const reason = err instanceof FleetFileRefused ? err.reason : 'invalid';
      const message = err instanceof Error ? err.message : String(err);
      log.error(
        { err: message, reason },
        `fleet file not applied: ${message}; keeping the current fleet`,
      );
      options.metrics.fileReloads.labels(reason).inc();
      return;
    }
    for (const issue of parsed.issues) {
      log.error(
        { entry: issue.index, mcp: issue.name, field: issue.path, problem: issue.message },
        `fleet file entry refused: ${describeFleetIssue(issue)}`,
      );
    }
    options.metrics.invalidEntries.set(parsed.issues.length);
    const names = [...new Set([...parsed.entries.map((e) => e.name), ...memory.keys()])];
    await options.engine.withLocks(names, async () => {
      const { plans, memory: next } = reconcileFleet(
        parsed.entries,
        memory,
        options.engine.fleet,
        Date.now(),
      );
      for (const plan of plans) await options.engine.commit(plan);
      // Remember what the file said only once its effects are in the log.
      const batch = options.store.batch(options.fence);
      for (const name of memory.keys()) if (!next.has(name)) batch.fileEntry(name, null);
      for (const [name, config] of next) batch.fileEntry(name, config);
      await batch.commit();
      memory = next;
      log.info(
        { entries: parsed.entries.length, refused: parsed.issues.length, changes: plans.length },
        'fleet file reconciled',
      );
    });
    options.metrics.fileReloads.labels('ok').inc();
  };

  const reload = (): Promise<void> => {
    if (stopped) return running;
    if (busy) {
      again = true;
      return running;
    }
    busy = true;
    running = (async () => {
      try {
        do {
          again = false;
          await reconcileOnce();
        } while (again && !stopped);
      } finally {
        busy = false;
      }
    })();
    return running;
  };

  const soon = (): void => {
    if (debounce !== null) clearTimeout(debounce);
    debounce = setTimeout(() => {
      debounce = null;
      reload().catch((err: unknown) => log.error({ err }, 'fleet file reconcile failed'));
    }, 150);
  };

  let watcher: FSWatcher | null = null;
  try {
    watcher = watch(dirname(path), (_event, file) => {
      if (file === null || file === basename(path)) soon();
    });
    watcher.on('error', (err) => log.warn({ err }, 'fleet file watch error; polling only'));
  } catch (err) {
    log.warn({ err }, 'cannot watch the fleet file directory; polling only');
  }
  const poll = setInterval(() => {
    stat(path).then(
      (s) => {
        const seen = `${s.mtimeMs}:${s.size}:${s.ino}`;
        if (lastSeen !== '' && seen !== lastSeen) soon();
        lastSeen = seen;
      },
      () => undefined,
    );
  }, options.pollMs ?? 2_000);

  return {
    reload,
    async stop() {
      stopped = true;
      watcher?.close();
      clearInterval(poll);
      if (debounce !== null) clearTimeout(debounce);
      await running.catch(() => undefined);
    },
  };
}
