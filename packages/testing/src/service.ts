// Runs one of this repository's built services (`node services/<name>/dist/main.js`) as a child
// process: the one place that knows where a service's entry point lives, so tests and benchmarks
// name the service instead of working out a path relative to their own file.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProcess, type ProcessHandle, type StartProcessOptions } from './process.js';

// This module runs from packages/testing/src (tests) or packages/testing/dist: both 3 levels down.
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The built entry point of `services/<service>` (build it first: `tsc -b services/<service>`). */
export function serviceMain(service: string): string {
  return join(REPO_ROOT, 'services', service, 'dist', 'main.js');
}

export interface StartServiceOptions extends StartProcessOptions {
  /** Command-line arguments after the entry point. */
  readonly args?: readonly string[];
}

/** `startProcess` of a built service with this Node; `name` defaults to the service. */
export function startService(
  service: string,
  options: StartServiceOptions = {},
): Promise<ProcessHandle> {
  const { args = [], ...rest } = options;
  return startProcess(process.execPath, [serviceMain(service), ...args], {
    name: service,
    ...rest,
  });
}
