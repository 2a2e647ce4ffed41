// The fast decode-and-merge against protocol's decodeBucket: same buckets accepted, same values,
// on encoder output and on thousands of mutations of it (garbage included).
import { addProbe, addTime, decodeBucket, emptyBucket, encodeBucket, mergeBucket } from '@beacon/protocol';
import { describe, expect, it } from 'vitest';
import { mergeEncoded } from './bucket-merge.js';

function sample(seed: number): string {
  const b = emptyBucket();
  addTime(b, 'healthy', 3_000_000 + seed);
  if (seed % 3 === 0) addTime(b, 'unhealthy', 600_000);
  for (let i = 0; i < seed % 50; i++) addProbe(b, i % 7 !== 0, (seed * 31 + i * 17) % 70_000 + 0.25);
  return encodeBucket(b);
}

let rnd = 12345;
const next = (n: number): number => {
  rnd = (rnd * 1103515245 + 12345) % 2 ** 31;
  return rnd % n;
};
const ALPHABET = '0123456789,;:.-+e x';

function mutate(s: string): string {
  const i = next(s.length + 1);
  switch (next(4)) {
    case 0:
      return s.slice(0, i) + s.slice(i + 1);
    case 1:
      return s.slice(0, i) + ALPHABET[next(ALPHABET.length)]! + s.slice(i);
    case 2:
      return s.slice(0, i) + ALPHABET[next(ALPHABET.length)]! + s.slice(i + 1);
    default:
      return s.slice(0, i);
  }
}

const viaProtocol = (raw: string) => {
  const b = decodeBucket(raw);
  return b === null ? null : mergeBucket(emptyBucket(), b);
};
const viaFast = (raw: string) => {
  const into = emptyBucket();
  const also = emptyBucket();
  if (!mergeEncoded(into, raw, also)) {
    expect(into).toEqual(emptyBucket());
    return null;
  }
  expect(also).toEqual(into);
  return into;
};

describe('mergeEncoded', () => {
  it('reads what the encoder writes exactly like decodeBucket', () => {
    for (let seed = 0; seed < 200; seed++) {
      const raw = sample(seed);
      expect(viaFast(raw)).toEqual(viaProtocol(raw));
    }
  });
  it('accepts and refuses exactly what decodeBucket does', () => {
    const odd = ['', ';;', '0,0,0,0,0,0,0;0,0,;', '0,0,0,0,0,0,0;0,0, 5;', '1e3,0,0,0,0,0,0;0,0,;',
      '0,0,0,0,0,0,0;0,0,;1:2:3', '0,0,0,0,0,0,0;0,0,;99:1', '0,0,0,0,0,0,0;0,0,;1:1,1:5',
      '9'.repeat(17) + ',0,0,0,0,0,0;0,0,;', '9007199254740993,0,0,0,0,0,0;0,0,;', 'x'.repeat(2000)];
    for (const raw of odd) expect(viaFast(raw), raw).toEqual(viaProtocol(raw));
    for (let k = 0; k < 5_000; k++) {
      let raw = sample(k % 97);
      for (let m = 0; m <= k % 3; m++) raw = mutate(raw);
      expect(viaFast(raw), raw).toEqual(viaProtocol(raw));
    }
  });
  it('adds into what is there', () => {
    const into = emptyBucket();
    expect(mergeEncoded(into, sample(3))).toBe(true);
    expect(mergeEncoded(into, sample(3))).toBe(true);
    const b = decodeBucket(sample(3))!;
    expect(into).toEqual(mergeBucket(mergeBucket(emptyBucket(), b), b));
  });
});
