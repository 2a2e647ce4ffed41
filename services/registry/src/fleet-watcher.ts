// Watches the fleet file and reconciles it into the fleet on start and on every change. The
// directory is watched (editors and `mv` replace the file, which a file watch would lose) and the
// file's mtime/size is also polled, because fs.watch is not reliable on every filesystem.
import { watch, type FSWatcher } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Engine } from './engine.js';
import { describeFleetIssue, parseFleetFile } from './fleet-file.js';
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

export const DEFAULT_FLEET_FILE_MAX_BYTES = 4 * 1024 * 1024;

/**
 * The file's text, or a `too_large` refusal. The size is checked on the open descriptor and the
 * read stops at the cap, so a file that grows between stat and read cannot slip past it.
 */
async function readCapped(
  path: string,
  maxBytes: number,
): Promise<{ text: string } | { tooLarge: number }> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) return { tooLarge: size };
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes) return { tooLarge: length };
    return { text: buffer.toString('utf8', 0, length) };
  } finally {
    await handle.close();
  }
}

export function startFleetWatcher(options: {
  readonly path: string;
  /** Refuse (unread) a file larger than this; default DEFAULT_FLEET_FILE_MAX_BYTES. */
  readonly maxBytes?: number | undefined;
  readonly engine: Engine;
  readonly store: RegistryStore;
  readonly fence: Fence;
  readonly memory: Map<string, McpConfig>;
  readonly metrics: RegistryMetrics;
  readonly logger: Logger;
  readonly pollMs?: number;
}): FleetWatcher {
  const path = resolve(options.path);
  const maxBytes = options.maxBytes ?? DEFAULT_FLEET_FILE_MAX_BYTES;
  const log = options.logger.child({ component: 'fleet-file', path });
  let memory = options.memory;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let again = false;
  let busy = false;
  let lastSeen = '';
  let debounce: NodeJS.Timeout | null = null;

  const reconcileOnce = async (): Promise<void> => {
    let text: string;
    try {
      const read = await readCapped(path, maxBytes);
      if ('tooLarge' in read) {
        log.error(
          { bytes: read.tooLarge, max_bytes: maxBytes },
          `fleet file not applied: ${read.tooLarge} bytes exceeds the limit of ${maxBytes} ` +
            `(BEACON_FLEET_FILE_MAX_BYTES); keeping the current fleet`,
        );
        options.metrics.fileReloads.labels('too_large').inc();
        return;
      }
      text = read.text;
    } catch (err) {
      // A missing file is "no change": removing every MCP because a path is wrong would hurt.
      log.error({ err }, 'cannot read the fleet file; keeping the current fleet');
      options.metrics.fileReloads.labels('unreadable').inc();
      return;
    }
    let parsed;
    try {
      parsed = parseFleetFile(text, path);
    } catch (err) {
      log.error(
        { err: (err as Error).message },
        'fleet file not applied; keeping the current fleet',
      );
      options.metrics.fileReloads.labels('invalid').inc();
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
