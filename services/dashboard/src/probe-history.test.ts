// The probe rings behind the latency chart: bounded, ordered, cheap to re-read, pruned with the
// fleet; and how their samples merge with status-change points.
import { describe, expect, it } from 'vitest';
import { mergeLatencyPoints, type LatencyPoint } from './latency-points.js';
import { createProbeHistory } from './probe-history.js';

const T0 = Date.parse('2026-11-26T10:00:00.000Z');
const at = (ms: number): string => new Date(T0 + ms).toISOString();
const sample = (name: string, ms: number, latency_ms: number | null = 5, ok = true) => ({
  name,
  checked_at: at(ms),
  latency_ms,
  ok,
});

describe('probe history', () => {
  it('keeps the newest samples per MCP, oldest first, bounded by its capacity', () => {
    const h = createProbeHistory(5);
    for (let i = 0; i < 12; i++)
      h.add([sample('a', i * 1000, i), sample('b', i * 1000, null, false)]);
    expect(h.points('a').map((p) => p.latency)).toEqual([7, 8, 9, 10, 11]);
    expect(h.points('a').map((p) => p.t - T0)).toEqual([7000, 8000, 9000, 10000, 11000]);
    expect(h.points('b')[0]).toEqual({ t: T0 + 7000, latency: null, ok: false });
    expect(h.points('nobody')).toEqual([]);
  });

  it('ignores a sample not newer than the last one, and re-reads without rebuilding', () => {
    const h = createProbeHistory(10);
    h.add([sample('a', 2000)]);
    const first = h.points('a');
    h.add([sample('a', 2000), sample('a', 1000)]);
    expect(h.points('a')).toBe(first);
    h.add([sample('a', 3000)]);
    expect(h.points('a')).not.toBe(first);
    expect(h.points('a')).toHaveLength(2);
  });

  it('drops the rings of MCPs that left the fleet', () => {
    const h = createProbeHistory(10);
    h.add([sample('a', 0), sample('b', 0), sample('c', 0)]);
    h.retain((name) => name !== 'b');
    expect(h.size).toBe(2);
    expect(h.points('b')).toEqual([]);
  });
});

describe('latency points', () => {
  const change = (ms: number, latency: number | null, status: LatencyPoint['status']) => ({
    t: T0 + ms,
    latency,
    status,
    key: `${ms}-0`,
  });

  it('merges samples between status changes in time order, without the duplicate probe', () => {
    const h = createProbeHistory();
    h.add([sample('a', 1000, 4), sample('a', 3000, 6), sample('a', 5000, null, false)]);
    const merged = mergeLatencyPoints(
      [change(0, 3, 'healthy'), change(3000, 6, 'healthy'), change(5000, null, 'disconnected')],
      h.points('a'),
    );
    expect(merged.map((p) => [p.t - T0, p.status])).toEqual([
      [0, 'healthy'],
      [1000, 'healthy'],
      [3000, 'healthy'],
      [5000, 'disconnected'],
    ]);
    expect(new Set(merged.map((p) => p.key)).size).toBe(merged.length);
  });

  it('with live samples shows the recent window; without, everything loaded', () => {
    const old = change(-3 * 3600_000, 9, 'healthy');
    const h = createProbeHistory();
    h.add([sample('a', 0), sample('a', 2000, null, false)]);
    const live = mergeLatencyPoints([old], h.points('a'));
    expect(live.map((p) => p.status)).toEqual(['healthy', 'failed']);
    expect(live[0]?.key).toBe(`p${T0}`);
    expect(mergeLatencyPoints([old], [])).toEqual([old]);
  });
});
