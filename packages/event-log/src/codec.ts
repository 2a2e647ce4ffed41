// Encoding between Redis replies and typed values: projection rows, stream entries, bus payloads.
import {
  BeaconError,
  decodeField,
  encodeField,
  isOffset,
  LogEvent,
  McpStatus,
  type ProjectionPatch,
  type StoredEvent,
} from '@beacon/protocol';

/**
 * The field codec of projection and worker-state hashes (JSON per field). It lives in
 * @beacon/protocol so runtime-neutral readers (the client's permit check) need no Redis client;
 * this package re-exports it as the event log's storage encoding.
 */
export { decodeField, decodeFieldOrNull, encodeField } from '@beacon/protocol';

/** Flatten a projection patch into HSET field/value pairs (values JSON-encoded). */
export function patchArgs(patch: ProjectionPatch): string[] {
  if (patch.op === 'remove') return [];
  const out: string[] = [];
  for (const [field, value] of Object.entries(patch.fields)) {
    if (value === undefined) continue;
    out.push(field, encodeField(value));
  }
  return out;
}

/** Decode an HGETALL reply of a projection hash into a validated row. */
export function decodeRow(name: string, flat: readonly string[]): McpStatus {
  const obj: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) {
    obj[flat[i] as string] = decodeField(flat[i + 1] as string);
  }
  const parsed = McpStatus.safeParse(obj);
  if (!parsed.success) {
    throw new BeaconError(
      'internal',
      `projection row of ${name} is corrupt: ${parsed.error.message}`,
    );
  }
  return parsed.data;
}

/** A stream entry `[id, ['e', json, 'p', prev]]` → StoredEvent (validated). */
export function decodeEntry(entry: [string, string[]]): StoredEvent {
  const [offset, fields] = entry;
  let json: string | undefined;
  let prev = '0-0';
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === 'e') json = fields[i + 1];
    else if (fields[i] === 'p') prev = fields[i + 1] as string;
  }
  if (json === undefined) throw new BeaconError('internal', `stream entry ${offset} has no event`);
  return { offset, prev, event: LogEvent.parse(JSON.parse(json)) };
}

export interface BusPayload {
  readonly o: string;
  readonly p: string;
  readonly e: unknown;
}

/** Parse a live-channel payload; throws on anything that is not `{o, p, e}` with a valid event. */
export function decodeBus(raw: string): StoredEvent {
  const msg = JSON.parse(raw) as Partial<BusPayload> | null;
  if (msg === null || typeof msg !== 'object' || !isOffset(msg.o) || !isOffset(msg.p)) {
    throw new BeaconError('invalid', 'bus payload is not {o, p, e}');
  }
  const event = LogEvent.safeParse(msg.e);
  if (!event.success) {
    throw new BeaconError('invalid', `bus event at ${msg.o} is invalid: ${event.error.message}`);
  }
  return { offset: msg.o, prev: msg.p, event: event.data };
}
