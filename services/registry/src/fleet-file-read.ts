// Reads the fleet file within bounds: its size is checked (stat, then a read that stops one byte
// past the cap, since the file may grow in between) before anything is parsed, and YAML is parsed
// in a worker thread with a deadline and a heap cap. A large YAML document takes seconds to parse
// (4 MiB: ~10 s); on the event loop that would stall lease renewal and probes, so the registry
// would lose its lease and never load the file.
import { open } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { BeaconError } from '@beacon/protocol';
import {
  isJsonFleetFile,
  parseFleetDocument,
  parseFleetFile,
  YAML_OPTIONS,
  type ParsedFleetFile,
} from './fleet-file.js';

/** Why a fleet file was not applied: the `result` label of the reload counter. */
export type FleetRefusal = 'unreadable' | 'too_large' | 'invalid';

export class FleetFileRefused extends Error {
  constructor(
    readonly reason: FleetRefusal,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'FleetFileRefused';
  }
}

export interface FleetReadLimits {
  readonly maxBytes: number;
  /** The YAML worker is terminated after this long. */
  readonly parseTimeoutMs: number;
}

export const DEFAULT_FLEET_FILE_MAX_BYTES = 4 * 1024 * 1024;
const PARSE_HEAP_MB = 256;

async function readBounded(path: string, maxBytes: number): Promise<string> {
  let file;
  try {
    file = await open(path, 'r');
  } catch (err) {
    throw new FleetFileRefused(
      'unreadable',
      `cannot read the fleet file: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  try {
    const { size } = await file.stat();
    const tooLarge = (bytes: string): FleetFileRefused =>
      new FleetFileRefused(
        'too_large',
        `fleet file ${path}: ${bytes} bytes, over BEACON_FLEET_FILE_MAX_BYTES (${maxBytes})`,
      );
    if (size > maxBytes) throw tooLarge(String(size));
    const buf = Buffer.alloc(maxBytes + 1);
    let length = 0;
    while (length < buf.length) {
      const { bytesRead } = await file.read(buf, length, buf.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes) throw tooLarge(`more than ${maxBytes}`);
    return buf.toString('utf8', 0, length);
  } finally {
    await file.close();
  }
}

// CommonJS, evaluated in the worker: `yaml` ships a CJS build, resolved here so the worker
// finds it wherever this module runs from (src under vitest, dist in production).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { parse } = require(workerData.yaml);
try {
  parentPort.postMessage({ ok: true, doc: parse(workerData.text, workerData.options) });
} catch (err) {
  parentPort.postMessage({ ok: false, message: err instanceof Error ? err.message : String(err) });
}
`;
const yamlEntry = createRequire(import.meta.url).resolve('yaml');

function parseYamlOffThread(text: string, path: string, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { yaml: yamlEntry, text, options: YAML_OPTIONS },
      resourceLimits: { maxOldGenerationSizeMb: PARSE_HEAP_MB },
    });
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      fn();
    };
    const invalid = (message: string): FleetFileRefused =>
      new FleetFileRefused('invalid', `fleet file ${path}: cannot parse: ${message}`);
    const timer = setTimeout(
      () => finish(() => reject(invalid(`took longer than ${timeoutMs} ms`))),
      timeoutMs,
    );
    worker.on('message', (m: { ok: true; doc: unknown } | { ok: false; message: string }) =>
      finish(() => (m.ok ? resolve(m.doc) : reject(invalid(m.message)))),
    );
    worker.on('error', (err) => finish(() => reject(invalid(err.message))));
    worker.on('exit', (code) => finish(() => reject(invalid(`parser exited (${code})`))));
  });
}

/** Read, size-check and parse the fleet file; throws FleetFileRefused when it is not applied. */
export async function readFleetFile(
  path: string,
  limits: FleetReadLimits,
): Promise<ParsedFleetFile> {
  const text = await readBounded(path, limits.maxBytes);
  try {
    if (isJsonFleetFile(path) || text.trim() === '') return parseFleetFile(text, path);
    const doc = await parseYamlOffThread(text, path, limits.parseTimeoutMs);
    return parseFleetDocument(doc, path);
  } catch (err) {
    if (err instanceof FleetFileRefused) throw err;
    throw new FleetFileRefused('invalid', err instanceof BeaconError ? err.message : String(err), {
      cause: err,
    });
  }
}
