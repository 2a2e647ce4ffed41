// The storage encoding of hash fields the event log keeps (projection rows `keys.mcp(name)`,
// worker state): every field value is JSON. The event log writes and reads fields through this
// codec (and re-exports it); readers outside it (a gateway's permit check) use it too instead of
// decoding by hand. Runtime-neutral (no Redis client) so browser bundles may import it.

/** Encode one field value as stored (JSON). */
export function encodeField(value: unknown): string {
  return JSON.stringify(value);
}

/** Decode one stored field value; throws SyntaxError when it is not JSON. */
export function decodeField(raw: string): unknown {
  return JSON.parse(raw) as unknown;
}

/** Decode one stored field value read from Redis; null when absent or not JSON. */
export function decodeFieldOrNull(raw: string | null | undefined): unknown {
  if (raw === null || raw === undefined) return null;
  try {
    return decodeField(raw);
  } catch {
    return null;
  }
}
