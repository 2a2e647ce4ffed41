// Process and event-loop figures for every /metrics, computed by hand (the names prom-client's
// default collectors use, without the dependency): CPU seconds, resident memory, heap used, start
// time, and event-loop delay from perf_hooks sampled since the previous scrape.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { Metrics } from './metrics.js';

/** The families every Beacon /metrics carries from here. */
export const PROCESS_METRICS: readonly string[] = [
  'process_cpu_user_seconds_total',
  'process_cpu_system_seconds_total',
  'process_resident_memory_bytes',
  'nodejs_heap_size_used_bytes',
  'nodejs_eventloop_lag_seconds',
  'process_start_time_seconds',
];

const registered = new WeakSet<Metrics>();

/** Add the process collectors to `metrics`; idempotent per registry. */
export function registerProcessMetrics(metrics: Metrics): void {
  if (registered.has(metrics)) return;
  registered.add(metrics);
  const cpuUser = metrics.counter('process_cpu_user_seconds_total', 'User CPU time, seconds.');
  const cpuSystem = metrics.counter(
    'process_cpu_system_seconds_total',
    'System CPU time, seconds.',
  );
  const rss = metrics.gauge('process_resident_memory_bytes', 'Resident memory size, bytes.');
  const heapUsed = metrics.gauge('nodejs_heap_size_used_bytes', 'V8 heap used, bytes.');
  const start = metrics.gauge(
    'process_start_time_seconds',
    'Start time of the process since the Unix epoch, seconds.',
  );
  const lag = metrics.gauge(
    'nodejs_eventloop_lag_seconds',
    'Event-loop delay since the previous scrape, seconds (quantile 1 is the maximum).',
    ['quantile'],
  );
  const p50 = lag.labels('0.5');
  const p99 = lag.labels('0.99');
  const max = lag.labels('1');
  start.set(performance.timeOrigin / 1000);
  // The monitor's timer is unref'd: it never keeps a process alive.
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();

  metrics.onCollect(() => {
    const cpu = process.cpuUsage();
    cpuUser.inc(Math.max(0, cpu.user / 1e6 - cpuUser.value));
    cpuSystem.inc(Math.max(0, cpu.system / 1e6 - cpuSystem.value));
    const mem = process.memoryUsage();
    rss.set(mem.rss);
    heapUsed.set(mem.heapUsed);
    // No sample yet (scraped within the first resolution tick): report 0, not NaN.
    const seconds = (ns: number): number => (delay.count === 0 ? 0 : ns / 1e9);
    p50.set(seconds(delay.percentile(50)));
    p99.set(seconds(delay.percentile(99)));
    max.set(seconds(delay.max));
    delay.reset();
  });
}
