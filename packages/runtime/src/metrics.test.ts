import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';

describe('createMetrics', () => {
  it('renders counters and gauges with HELP/TYPE and escaped label values', () => {
    const m = createMetrics();
    const sent = m.counter('beacon_messages_sent_total', 'Messages sent.\nPer "kind" \\ total');
    const byKind = m.counter('beacon_events_total', 'Events by type.', ['type', 'mcp']);
    const conns = m.gauge('beacon_connections', 'Open connections.');
    sent.inc();
    sent.inc(2);
    byKind.labels('health_event', 'we"ird\\name\nx').inc(5);
    conns.set(7);
    conns.dec();
    expect(m.render()).toBe(
      [
        '# HELP beacon_messages_sent_total Messages sent.\\nPer "kind" \\\\ total',
        '# TYPE beacon_messages_sent_total counter',
        'beacon_messages_sent_total 3',
        '# HELP beacon_events_total Events by type.',
        '# TYPE beacon_events_total counter',
        'beacon_events_total{type="health_event",mcp="we\\"ird\\\\name\\nx"} 5',
        '# HELP beacon_connections Open connections.',
        '# TYPE beacon_connections gauge',
        'beacon_connections 6',
        '',
      ].join('\n'),
    );
  });

  it('renders histograms with cumulative buckets, +Inf, _sum and _count', () => {
    const m = createMetrics();
    const h = m.histogram('beacon_latency_seconds', 'Latency.', [0.01, 0.1, 1], ['route']);
    const api = h.labels('api');
    for (const v of [0.005, 0.05, 0.05, 0.5, 3]) api.observe(v);
    expect(m.render()).toBe(
      [
        '# HELP beacon_latency_seconds Latency.',
        '# TYPE beacon_latency_seconds histogram',
        'beacon_latency_seconds_bucket{route="api",le="0.01"} 1',
        'beacon_latency_seconds_bucket{route="api",le="0.1"} 3',
        'beacon_latency_seconds_bucket{route="api",le="1"} 4',
        'beacon_latency_seconds_bucket{route="api",le="+Inf"} 5',
        'beacon_latency_seconds_sum{route="api"} 3.605',
        'beacon_latency_seconds_count{route="api"} 5',
        '',
      ].join('\n'),
    );
  });

  it('formats special values and runs collect hooks before rendering', () => {
    const m = createMetrics();
    const g = m.gauge('g', 'G.', ['k']);
    m.onCollect(() => {
      g.reset();
      g.labels('inf').set(Infinity);
      g.labels('nan').set(NaN);
    });
    expect(m.render()).toContain('g{k="inf"} +Inf\ng{k="nan"} NaN\n');
  });

  it('rejects bad names, duplicate registration, wrong label counts and negative increments', () => {
    const m = createMetrics();
    expect(() => m.counter('1bad', 'x')).toThrow(/invalid metric name/);
    expect(() => m.counter('ok', 'x', ['bad-label'])).toThrow(/invalid label name/);
    m.counter('dup', 'x');
    expect(() => m.gauge('dup', 'x')).toThrow(/already registered/);
    const c = m.counter('c', 'x', ['a', 'b']);
    expect(() => c.labels('only-one')).toThrow(/expected 2 label value/);
    expect(() => c.inc()).toThrow(/has labels/);
    expect(() => m.counter('n', 'x').inc(-1)).toThrow(/cannot increase/);
    expect(() => m.histogram('h', 'x', [1, 1])).toThrow(/strictly increasing/);
    expect(() => m.histogram('h2', 'x', [1], ['le'])).toThrow(/reserved/);
  });

  it('counts every one of a million hot-path incs (the budget is in metrics.slo.test.ts)', () => {
    const m = createMetrics();
    const c = m.counter('hot_total', 'x');
    const child = m.counter('hot_labelled_total', 'x', ['k']).labels('v');
    for (let i = 0; i < 1_000_000; i++) {
      c.inc();
      child.inc();
    }
    expect(c.value).toBe(1_000_000);
  });
});
