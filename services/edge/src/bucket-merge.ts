// Decode-and-merge of stored rollup buckets without allocating: a fleet window folds tens of
// thousands of them per request (1,000 MCPs × 30 days ≈ 54,000), and protocol's decodeBucket
// (split-based, a fresh Bucket each) spends ~5 µs on each. The fast path scans the encoder's own
// output (digits, `,` `;` `:`) into one reused scratch bucket; anything else (odd number syntax,
// garbage) goes to decodeBucket itself, so what is accepted and how it reads never differ
// (bucket-merge.test.ts checks the two against each other).
import { LATENCY_BOUNDS_MS, UPTIME_CATEGORIES, decodeBucket, type Bucket } from '@beacon/protocol';

const CATS = UPTIME_CATEGORIES.length;
const BINS = LATENCY_BOUNDS_MS.length + 1;
const COMMA = 44;
const SEMI = 59;
const COLON = 58;

interface Scratch {
  readonly ms: number[];
  readonly bins: number[];
  probes: number;
  failures: number;
  latencyMax: number | null;
}

const scratch: Scratch = {
  ms: new Array<number>(CATS).fill(0),
  bins: new Array<number>(BINS).fill(0),
  probes: 0,
  failures: 0,
  latencyMax: null,
};

/** What the fast path found: parsed into `scratch`, garbage, or "ask decodeBucket". */
const OK = 0;
const BAD = 1;
const SLOW = 2;

let pos = 0;

/** A count of 1-16 digits ending at a delimiter; -1 when the token is not plain digits. */
function digits(s: string, end: number): number {
  const start = pos;
  let v = 0;
  while (pos < end) {
    const c = s.charCodeAt(pos);
    if (c < 48 || c > 57) break;
    v = v * 10 + (c - 48);
    pos++;
  }
  const n = pos - start;
  if (n === 0 || n > 16 || v > Number.MAX_SAFE_INTEGER) return -1;
  return v;
}

function parse(s: string): number {
  const len = s.length;
  if (len > 1_024) return BAD;
  pos = 0;
  for (let i = 0; i < CATS; i++) {
    const v = digits(s, len);
    if (v < 0) return SLOW;
    scratch.ms[i] = v;
    const c = s.charCodeAt(pos++);
    if (c !== (i === CATS - 1 ? SEMI : COMMA)) return SLOW;
  }
  const probes = digits(s, len);
  if (probes < 0 || s.charCodeAt(pos++) !== COMMA) return SLOW;
  const failures = digits(s, len);
  if (failures < 0 || s.charCodeAt(pos++) !== COMMA) return SLOW;
  scratch.probes = probes;
  scratch.failures = failures;
  const semi = s.indexOf(';', pos);
  if (semi < 0) return SLOW;
  if (semi === pos) scratch.latencyMax = null;
  else {
    const max = Number(s.slice(pos, semi));
    if (!Number.isFinite(max) || max < 0) return SLOW;
    scratch.latencyMax = max;
  }
  pos = semi + 1;
  scratch.bins.fill(0);
  if (pos === len) return OK;
  for (;;) {
    const i = digits(s, len);
    if (i < 0 || s.charCodeAt(pos++) !== COLON) return SLOW;
    const n = digits(s, len);
    if (n < 0) return SLOW;
    if (i >= BINS) return BAD;
    scratch.bins[i] = n;
    if (pos === len) return OK;
    if (s.charCodeAt(pos++) !== COMMA) return SLOW;
  }
}

function add(into: Bucket, from: Scratch): void {
  for (let i = 0; i < CATS; i++) into.ms[i]! += from.ms[i]!;
  for (let i = 0; i < BINS; i++) into.bins[i]! += from.bins[i]!;
  into.probes += from.probes;
  into.failures += from.failures;
  if (from.latencyMax !== null) {
    into.latencyMax =
      into.latencyMax === null ? from.latencyMax : Math.max(into.latencyMax, from.latencyMax);
  }
}

/**
 * Decode `raw` and add it into `into` (and `also`, when given); false, touching nothing, when
 * it is not a bucket.
 */
export function mergeEncoded(into: Bucket, raw: string, also?: Bucket): boolean {
  const r = parse(raw);
  if (r === BAD) return false;
  if (r === SLOW) {
    const b = decodeBucket(raw);
    if (b === null) return false;
    add(into, b);
    if (also !== undefined) add(also, b);
    return true;
  }
  add(into, scratch);
  if (also !== undefined) add(also, scratch);
  return true;
}
