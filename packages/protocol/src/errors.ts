// One error type for all of Beacon, with a closed set of codes; transports map codes to HTTP
// statuses / WebSocket close codes in one place each.
import type { z } from 'zod';

export type BeaconErrorCode =
  | 'invalid'
  | 'not_found'
  | 'conflict'
  | 'unauthorized'
  | 'forbidden'
  | 'fenced'
  | 'timeout'
  | 'unavailable'
  | 'config'
  | 'internal';

export interface Issue {
  /** Dotted path of the bad field, e.g. `transport.url` or `mcps[3].name`; "" for the root. */
  readonly path: string;
  readonly message: string;
}

export class BeaconError extends Error {
  override readonly name = 'BeaconError';
  readonly code: BeaconErrorCode;
  readonly issues: readonly Issue[];

  constructor(
    code: BeaconErrorCode,
    message: string,
    options: { cause?: unknown; issues?: readonly Issue[] } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.issues = options.issues ?? [];
  }
}

function pathOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}

export function issuesOf(error: z.ZodError): Issue[] {
  return error.issues.map((i) => ({ path: pathOf(i.path), message: i.message }));
}

export function describeIssues(issues: readonly Issue[]): string {
  return issues.map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`)).join('; ');
}

/** Parse with a schema; on failure throw `BeaconError('invalid')` naming every bad field. */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = issuesOf(result.error);
  throw new BeaconError('invalid', `invalid ${what}: ${describeIssues(issues)}`, {
    issues,
    cause: result.error,
  });
}
