// A viewer cannot stall the edge or grow it without bound through subscribe patterns (issue 10):
// the 21-byte pathological glob is matched in linear time while /healthz answers and a bystander
// keeps receiving events, and frames over the pattern caps get a `limit_exceeded` error frame
// naming the cap while the socket stays usable with its selection unchanged. The edge runs as a
// child process, so an edge whose event loop is stuck cannot stall the test itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registration, statusChange } from './bench/seed.js';
import {
  mintToken,
  record,
  startEdgeProcess,
  startTestBed,
  type EdgeProcess,
  type Recorder,
  type TestBed,
} from './test-support.js';

// Long names: what made `^.*.*…x$` backtrack for seconds per name.
const NAMES = Array.from(
  { length: 12 },
  (_, i) => `pattern-target-number-${String(i).padStart(2, '0')}`,
);
const BOX = 'pattern-target-number-box';
const PATHOLOGICAL = '********************x';

let bed: TestBed;
let edge: EdgeProcess;
let token: string;
let seq = 0;

beforeAll(async () => {
  bed = await startTestBed('edge-hostile-patterns', 0);
  for (const name of [...NAMES, BOX]) await bed.writer.log.append(registration(name));
  edge = await startEdgeProcess(bed.redis.url, bed.prefix, {
    BEACON_WS_MAX_FRAME_PATTERNS: '8',
    BEACON_WS_MAX_PATTERNS: '12',
    BEACON_WS_MAX_PATTERN_LENGTH: '64',
  });
  bed.cleanups.push(() => edge.proc.kill('SIGTERM'));
  token = await mintToken({});
});
afterAll(async () => {
  await bed.stop();
});

async function open(): Promise<Recorder> {
  const r = record(edge.ws, { token });
  await r.waitFor((x) => x.of('initial_status').length === 1, 'initial_status');
  return r;
}

/** Append a status change for `name`; resolves with its offset. */
async function change(name: string): Promise<string> {
  await bed.writer.log.append(statusChange(name, ++seq));
  return bed.writer.log.lastOffset();
}

/** /healthz within a deadline (an edge with a blocked event loop does not answer). */
async function healthz(): Promise<number> {
  const res = await fetch(`${edge.http}/healthz`, { signal: AbortSignal.timeout(5_000) });
  return res.status;
}

const errors = (r: Recorder) => r.of('error').map((m) => ({ code: m.code, message: m.message }));

describe('hostile subscribe patterns', () => {
  it('the 21-byte pathological pattern neither stalls the edge nor the other clients', async () => {
    const bystander = await open();
    const hostile = await open();
    hostile.ws.send(JSON.stringify({ type: 'subscribe', mcps: [PATHOLOGICAL] }));
    expect(await healthz()).toBe(200);
    await hostile.waitFor((x) => x.of('initial_status').length === 2, 'fresh initial_status');
    expect(hostile.of('ack').at(-1)?.mcps).toEqual([PATHOLOGICAL]);
    // Correct, too: only the one name ending in x.
    expect(hostile.of('initial_status')[1]?.mcps?.map((m) => m.name)).toEqual([BOX]);
    const head = await change(NAMES[0] as string);
    await bystander.waitFor((x) => x.events().at(-1)?.offset === head, 'bystander event');
    const boxHead = await change(BOX);
    await hostile.waitFor((x) => x.events().at(-1)?.offset === boxHead, 'hostile sees its MCP');
    expect(hostile.events().map((e) => e.mcp_name)).toEqual([BOX]);
    expect(await healthz()).toBe(200);
    bystander.close();
    hostile.close();
  });

  it('refuses frames over the per-frame and length caps; the socket keeps working', async () => {
    const r = await open();
    const nine = Array.from({ length: 9 }, (_, i) => `p${i}*`);
    r.ws.send(JSON.stringify({ type: 'subscribe', mcps: nine }));
    r.ws.send(JSON.stringify({ type: 'unsubscribe', mcps: nine }));
    r.ws.send(JSON.stringify({ type: 'subscribe', mcps: [`${'*'.repeat(64)}x`] }));
    await r.waitFor((x) => x.of('error').length === 3, 'three limit errors');
    expect(errors(r)).toEqual([
      {
        code: 'limit_exceeded',
        message:
          'subscribe of 9 patterns exceeds the limit of 8 patterns per frame (BEACON_WS_MAX_FRAME_PATTERNS)',
      },
      {
        code: 'limit_exceeded',
        message:
          'unsubscribe of 9 patterns exceeds the limit of 8 patterns per frame (BEACON_WS_MAX_FRAME_PATTERNS)',
      },
      {
        code: 'limit_exceeded',
        message:
          'pattern of 65 characters exceeds the limit of 64 characters (BEACON_WS_MAX_PATTERN_LENGTH)',
      },
    ]);
    // Nothing changed: no ack, no new state, still everything.
    expect(r.of('ack')).toEqual([]);
    expect(r.of('initial_status')).toHaveLength(1);
    const head = await change(NAMES[1] as string);
    await r.waitFor((x) => x.events().at(-1)?.offset === head, 'event while unchanged');
    // A valid subscribe afterwards works.
    r.ws.send(JSON.stringify({ type: 'subscribe', mcps: [NAMES[2]] }));
    await r.waitFor((x) => x.of('initial_status').length === 2, 'fresh state');
    expect(r.of('ack')[0]?.mcps).toEqual([NAMES[2]]);
    const mine = await change(NAMES[2] as string);
    await r.waitFor((x) => x.events().at(-1)?.offset === mine, 'event after the subscribe');
    expect(r.closed).toBeNull();
    r.close();
  });

  it('refuses growing a selection past the per-connection cap, keeping the selection', async () => {
    const r = await open();
    const first = NAMES.slice(0, 8);
    r.ws.send(JSON.stringify({ type: 'subscribe', mcps: first }));
    await r.waitFor((x) => x.of('ack').length === 1, 'first ack');
    r.ws.send(JSON.stringify({ type: 'subscribe', mcps: NAMES.slice(8, 12) }));
    await r.waitFor((x) => x.of('ack').length === 2, 'second ack (12 of 12)');
    r.ws.send(JSON.stringify({ type: 'subscribe', mcps: [BOX] }));
    await r.waitFor((x) => x.of('error').length === 1, 'limit error');
    expect(errors(r)).toEqual([
      {
        code: 'limit_exceeded',
        message:
          'selection of 13 patterns would exceed the limit of 12 patterns per connection (BEACON_WS_MAX_PATTERNS); unsubscribe from some first',
      },
    ]);
    expect(r.of('ack')).toHaveLength(2);
    // Selection unchanged: BOX is not delivered, the subscribed names still are.
    await change(BOX);
    const head = await change(NAMES[11] as string);
    await r.waitFor((x) => x.events().at(-1)?.offset === head, 'event of a subscribed MCP');
    expect(r.events().map((e) => e.mcp_name)).not.toContain(BOX);
    // Making room lets it in.
    r.ws.send(JSON.stringify({ type: 'unsubscribe', mcps: [NAMES[0]] }));
    r.ws.send(JSON.stringify({ type: 'subscribe', mcps: [BOX] }));
    await r.waitFor((x) => x.of('ack').length === 4, 'two more acks');
    await r.waitFor((x) => x.of('initial_status').length >= 5, 'fresh states');
    const boxHead = await change(BOX);
    await r.waitFor((x) => x.events().at(-1)?.offset === boxHead, 'BOX now delivered');
    expect(r.closed).toBeNull();
    r.close();
  });
});
