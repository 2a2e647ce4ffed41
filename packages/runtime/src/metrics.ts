// A tiny Prometheus registry: counters, gauges and histograms rendered in the text exposition
// format (0.0.4). Built for hot paths: an unlabelled inc() is one addition; labelled series are
// created once by labels(...) — keep the child and reuse it — with their label text precomputed.

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export interface CounterChild {
  inc: (value?: number) => void;
  readonly value: number;
}
export interface Counter extends CounterChild {
  labels(...values: string[]): CounterChild;
  remove(...values: string[]): void;
}
export interface GaugeChild {
  set: (value: number) => void;
  inc: (value?: number) => void;
  dec: (value?: number) => void;
  readonly value: number;
}
export interface Gauge extends GaugeChild {
  labels(...values: string[]): GaugeChild;
  remove(...values: string[]): void;
  /** Drop every labelled series (e.g. before re-setting them all in a collect hook). */
  reset(): void;
}
export interface HistogramChild {
  observe: (value: number) => void;
  readonly count: number;
  readonly sum: number;
}
export interface Histogram extends HistogramChild {
  labels(...values: string[]): HistogramChild;
  remove(...values: string[]): void;
}

export interface Metrics {
  counter(name: string, help: string, labelNames?: readonly string[]): Counter;
  gauge(name: string, help: string, labelNames?: readonly string[]): Gauge;
  histogram(
    name: string,
    help: string,
    buckets: readonly number[],
    labelNames?: readonly string[],
  ): Histogram;
  /** Run before each render, e.g. to set gauges from current state. */
  onCollect(fn: () => void): void;
  render(): string;
}

/** Seconds buckets suited to latencies from 0.5 ms to 10 s. */
export const LATENCY_BUCKETS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function escapeLabelValue(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

interface Family {
  readonly name: string;
  render(out: string[]): void;
}

/** Precomputed `a="x",b="y"` for a series (no braces, so histograms can append `le`). */
function labelText(names: readonly string[], values: readonly string[], metric: string): string {
  if (values.length !== names.length) {
    throw new Error(
      `metric ${metric}: expected ${names.length} label value(s) (${names.join(', ')}), got ${values.length}`,
    );
  }
  return names.map((n, i) => `${n}="${escapeLabelValue(String(values[i]))}"`).join(',');
}

function braces(text: string): string {
  return text === '' ? '' : `{${text}}`;
}

/** Series storage shared by the three kinds: the unlabelled one, or labelled ones by key. */
interface SeriesStore<S> {
  readonly root: S | undefined;
  get(values: readonly string[]): S;
  remove(values: readonly string[]): void;
  reset(): void;
  entries(): Iterable<[string, S]>;
}

function seriesStore<S>(
  name: string,
  labelNames: readonly string[],
  make: (labels: string) => S,
): SeriesStore<S> {
  const map = new Map<string, { labels: string; series: S }>();
  const root = labelNames.length === 0 ? make('') : undefined;
  return {
    root,
    get(values) {
      const key = values.join('\u0000');
      let hit = map.get(key);
      if (hit === undefined) {
        const labels = labelText(labelNames, values, name);
        hit = { labels, series: make(labels) };
        map.set(key, hit);
      }
      return hit.series;
    },
    remove(values) {
      map.delete(values.join('\u0000'));
    },
    reset() {
      map.clear();
    },
    *entries() {
      if (root !== undefined) yield ['', root];
      for (const { labels, series } of map.values()) yield [labels, series];
    },
  };
}

function noRoot(name: string): never {
  throw new Error(`metric ${name} has labels: call .labels(...) first`);
}

export function createMetrics(): Metrics {
  const families = new Map<string, Family>();
  const collectors: (() => void)[] = [];

  const register = (name: string, labelNames: readonly string[], family: Family): void => {
    if (!NAME_RE.test(name)) throw new Error(`invalid metric name ${JSON.stringify(name)}`);
    for (const l of labelNames) {
      if (!LABEL_RE.test(l) || l.startsWith('__')) {
        throw new Error(`metric ${name}: invalid label name ${JSON.stringify(l)}`);
      }
    }
    if (new Set(labelNames).size !== labelNames.length) {
      throw new Error(`metric ${name}: duplicate label names`);
    }
    if (families.has(name)) throw new Error(`metric ${name} is already registered`);
    families.set(name, family);
  };

  /** Store and register one family: HELP/TYPE, then `sample` writes each series' lines. */
  const family = <S>(
    name: string,
    help: string,
    type: 'counter' | 'gauge' | 'histogram',
    labelNames: readonly string[],
    make: () => S,
    sample: (out: string[], labels: string, series: S) => void,
  ): SeriesStore<S> => {
    const store = seriesStore(name, labelNames, make);
    register(name, labelNames, {
      name,
      render(out) {
        out.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
        for (const [labels, s] of store.entries()) sample(out, labels, s);
      },
    });
    return store;
  };

  const counter = (name: string, help: string, labelNames: readonly string[] = []): Counter => {
    const make = (): CounterChild => {
      let value = 0;
      return {
        inc(by = 1) {
          if (!(by >= 0)) throw new Error(`counter ${name}: cannot increase by ${by}`);
          value += by;
        },
        get value() {
          return value;
        },
      };
    };
    const store = family(name, help, 'counter', labelNames, make, (out, labels, s) =>
      out.push(`${name}${braces(labels)} ${formatValue(s.value)}`),
    );
    const root = store.root;
    return {
      inc: root ? root.inc : () => noRoot(name),
      get value() {
        return root ? root.value : noRoot(name);
      },
      labels: (...values) => store.get(values),
      remove: (...values) => store.remove(values),
    };
  };

  const gauge = (name: string, help: string, labelNames: readonly string[] = []): Gauge => {
    const make = (): GaugeChild => {
      let value = 0;
      return {
        set(v) {
          value = v;
        },
        inc(by = 1) {
          value += by;
        },
        dec(by = 1) {
          value -= by;
        },
        get value() {
          return value;
        },
      };
    };
    const store = family(name, help, 'gauge', labelNames, make, (out, labels, s) =>
      out.push(`${name}${braces(labels)} ${formatValue(s.value)}`),
    );
    const root = store.root;
    return {
      set: root ? root.set : () => noRoot(name),
      inc: root ? root.inc : () => noRoot(name),
      dec: root ? root.dec : () => noRoot(name),
      get value() {
        return root ? root.value : noRoot(name);
      },
      labels: (...values) => store.get(values),
      remove: (...values) => store.remove(values),
      reset: () => store.reset(),
    };
  };

  const histogram = (
    name: string,
    help: string,
    buckets: readonly number[],
    labelNames: readonly string[] = [],
  ): Histogram => {
    if (labelNames.includes('le')) throw new Error(`histogram ${name}: "le" is a reserved label`);
    const bounds = [...buckets].filter((b) => b !== Infinity);
    if (
      bounds.length === 0 ||
      bounds.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= bounds[i - 1]!))
    ) {
      throw new Error(`histogram ${name}: buckets must be finite and strictly increasing`);
    }
    const leText = bounds.map((b) => `le="${formatValue(b)}"`);
    interface HSeries extends HistogramChild {
      readonly counts: Float64Array;
    }
    const make = (): HSeries => {
      const counts = new Float64Array(bounds.length);
      let sum = 0;
      let count = 0;
      return {
        counts,
        observe(v) {
          for (let i = 0; i < bounds.length; i++) {
            if (v <= bounds[i]!) {
              counts[i]! += 1;
              break;
            }
          }
          sum += v;
          count += 1;
        },
        get count() {
          return count;
        },
        get sum() {
          return sum;
        },
      };
    };
    const store = family(name, help, 'histogram', labelNames, make, (out, labels, s) => {
      const sep = labels === '' ? '' : ',';
      let cumulative = 0;
      for (let i = 0; i < bounds.length; i++) {
        cumulative += s.counts[i]!;
        out.push(`${name}_bucket{${labels}${sep}${leText[i]!}} ${formatValue(cumulative)}`);
      }
      out.push(`${name}_bucket{${labels}${sep}le="+Inf"} ${formatValue(s.count)}`);
      out.push(`${name}_sum${braces(labels)} ${formatValue(s.sum)}`);
      out.push(`${name}_count${braces(labels)} ${formatValue(s.count)}`);
    });
    const root = store.root;
    return {
      observe: root ? root.observe : () => noRoot(name),
      get count() {
        return root ? root.count : noRoot(name);
      },
      get sum() {
        return root ? root.sum : noRoot(name);
      },
      labels: (...values) => store.get(values),
      remove: (...values) => store.remove(values),
    };
  };

  return Object.freeze({
    counter,
    gauge,
    histogram,
    onCollect: (fn: () => void) => {
      collectors.push(fn);
    },
    render: () => {
      for (const fn of collectors) fn();
      const out: string[] = [];
      for (const family of families.values()) family.render(out);
      return out.length === 0 ? '' : `${out.join('\n')}\n`;
    },
  });
}
