// Redis errors as codes. ioredis hands a Redis error reply over only as message text ("BUSYGROUP
// Consumer Group name already exists"), so this is the one place that reads it: the reply's first
// word is its code. Fence refusals from our Lua scripts (`FENCED ...`) become BeaconError('fenced').
import { BeaconError } from '@beacon/protocol';

/** The code of a Redis error reply (its first word, e.g. `BUSYGROUP`, `FENCED`), or undefined. */
export function redisErrorCode(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  return /^([A-Z][A-Z_]*)(?:\s|$)/.exec(err.message)?.[1];
}

/** Whether a write was refused because the caller no longer holds the lease. */
export function isFenced(err: unknown): boolean {
  if (err instanceof BeaconError) return err.code === 'fenced';
  return redisErrorCode(err) === 'FENCED';
}

/** A fenced script refusal as BeaconError('fenced'); any other error unchanged. */
export function fencedOr(err: unknown, what: string): unknown {
  if (err instanceof BeaconError || !isFenced(err)) return err;
  return new BeaconError('fenced', `${what} refused: ${(err as Error).message}`, { cause: err });
}
