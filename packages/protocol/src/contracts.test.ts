// The contracts other runtimes depend on: internal stream field names, the hash field codec,
// the edge heartbeat and the REST answers.
import { describe, expect, it } from 'vitest';
import {
  decodeField,
  decodeFieldOrNull,
  EdgeHeartbeat,
  encodeField,
  EventsBackwardResponse,
  EventsForwardResponse,
  EventsResponse,
  SessionResponse,
  STREAM_FIELD,
} from './index.js';

describe('contracts', () => {
  it('names the internal stream fields as gateways in other languages write them', () => {
    expect(STREAM_FIELD).toEqual({ command: 'c', probe: 'p', outcome: 'o' });
  });

  it('stores hash fields as JSON and reads bad ones as null', () => {
    expect(encodeField('half_open')).toBe('"half_open"');
    expect(decodeField('{"seq":3}')).toEqual({ seq: 3 });
    expect(() => decodeField('{')).toThrow(SyntaxError);
    expect(decodeFieldOrNull('{')).toBeNull();
    expect(decodeFieldOrNull(null)).toBeNull();
    expect(decodeFieldOrNull(undefined)).toBeNull();
  });

  it('accepts the heartbeat the edge writes and refuses a negative count', () => {
    const beat = {
      id: 'edge-1',
      connections: 2,
      messages_out: 10,
      bytes_out: 500,
      drops: 0,
      ready: true,
      started_at: '2026-01-01T00:00:00.000Z',
      at: '2026-01-01T00:00:05.000Z',
    };
    expect(EdgeHeartbeat.parse(beat)).toEqual(beat);
    expect(EdgeHeartbeat.safeParse({ ...beat, connections: -1 }).success).toBe(false);
  });

  it('tells a forward page from a backward one and requires the session fields', () => {
    const forward = { events: [], epoch: 'e1', next: '5-0', more: false };
    const backward = { events: [], epoch: 'e1', next_before: null, more: false };
    expect(EventsForwardResponse.safeParse(backward).success).toBe(false);
    expect(EventsBackwardResponse.safeParse(forward).success).toBe(false);
    expect(EventsResponse.parse(backward)).toEqual(backward);
    expect(SessionResponse.safeParse({ sub: 'x', role: 'admin' }).success).toBe(false);
    expect(
      SessionResponse.parse({ sub: 'x', role: 'viewer', mcps: null, exp: null, auth: false }),
    ).toMatchObject({ role: 'viewer' });
  });
});
