import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';
import { registerProcessMetrics } from './process-metrics.js';

const value = (text: string, series: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  if (line === undefined) throw new Error(`no series ${series}`);
  return Number(line.slice(series.length + 1));
};

describe('process metrics', () => {
  it('renders CPU, memory, heap, start time and event-loop lag figures', async () => {
    const m = createMetrics();
    registerProcessMetrics(m);
    registerProcessMetrics(m); // idempotent: no duplicate-family error
    await new Promise((r) => setTimeout(r, 50));
    const text = m.render();
    expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
    expect(value(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(value(text, 'process_cpu_system_seconds_total')).toBeGreaterThanOrEqual(0);
    expect(value(text, 'process_resident_memory_bytes')).toBeGreaterThan(1_000_000);
    expect(value(text, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(1_000_000);
    const start = value(text, 'process_start_time_seconds');
    expect(start).toBeLessThanOrEqual(Date.now() / 1000);
    expect(start).toBeGreaterThan(Date.now() / 1000 - 3600);
    for (const q of ['0.5', '0.99', '1']) {
      const lag = value(text, `nodejs_eventloop_lag_seconds{quantile="${q}"}`);
      expect(lag).toBeGreaterThanOrEqual(0);
      expect(lag).toBeLessThan(10);
    }
  });

  it('keeps the CPU counters monotonic across scrapes', () => {
    const m = createMetrics();
    registerProcessMetrics(m);
    const first = value(m.render(), 'process_cpu_user_seconds_total');
    let x = 0;
    for (let i = 0; i < 1e6; i++) x += i;
    expect(x).toBeGreaterThan(0);
    expect(value(m.render(), 'process_cpu_user_seconds_total')).toBeGreaterThanOrEqual(first);
  });
});
