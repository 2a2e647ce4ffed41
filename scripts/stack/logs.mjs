// Turns the services' pino JSON lines into one readable line each, prefixed with the service
// name, so several processes can share one terminal. Non-JSON lines pass through unchanged.
const LEVELS = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const LEVEL_COLOURS = { 10: 90, 20: 90, 30: 32, 40: 33, 50: 31, 60: 35 };
const NAME_COLOURS = [36, 35, 34, 33, 32, 96, 95, 94];
// `edge` and `holder` are per-process base fields: the line prefix already names the process.
const SKIP = new Set([
  'level',
  'time',
  'pid',
  'hostname',
  'name',
  'msg',
  'component',
  'v',
  'edge',
  'holder',
]);

export function createLogFormatter({ colour }) {
  const paint = (code, text) => (colour ? `\u001b[${code}m${text}\u001b[0m` : text);
  const width = { value: 8 };
  const nameColour = new Map();

  const prefix = (name) => {
    width.value = Math.max(width.value, name.length);
    if (!nameColour.has(name)) {
      nameColour.set(name, NAME_COLOURS[nameColour.size % NAME_COLOURS.length]);
    }
    return paint(nameColour.get(name), `${name.padEnd(width.value)} |`);
  };

  const value = (v) => {
    if (typeof v === 'string') return /[\s"=]/.test(v) ? JSON.stringify(v) : v;
    const text = JSON.stringify(v);
    return text.length > 160 ? `${text.slice(0, 157)}...` : text;
  };

  const describeError = (err) => {
    if (err === null || typeof err !== 'object') return value(err);
    const head = `${err.type ?? 'Error'}: ${err.message ?? ''}`;
    return JSON.stringify(head);
  };

  const condense = (record) => {
    const time = typeof record.time === 'string' ? record.time.slice(11, 23) : '';
    const level = LEVELS[record.level] ?? String(record.level);
    const parts = [
      time,
      paint(LEVEL_COLOURS[record.level] ?? 0, level.padEnd(5)),
      record.component === undefined ? '' : paint(90, `[${record.component}]`),
      record.msg ?? '',
    ];
    for (const [key, v] of Object.entries(record)) {
      // Redacted secrets carry no information, and a stray `token=` would confuse anyone
      // looking for the one line that carries the admin token.
      if (SKIP.has(key) || v === undefined || v === '[redacted]') continue;
      parts.push(`${key}=${key === 'err' || key === 'error' ? describeError(v) : value(v)}`);
    }
    let line = parts.filter((p) => p !== '').join(' ');
    // Stack traces only for real failures: they are noise on warnings.
    if (record.level >= 50 && typeof record.err?.stack === 'string') {
      line += `\n${record.err.stack
        .split('\n')
        .slice(1, 6)
        .map((l) => `    ${l.trim()}`)
        .join('\n')}`;
    }
    return line;
  };

  /** One output line (or a few, for fatal stacks) for one input line of service `name`. */
  const format = (name, line) => {
    let body = line;
    if (line.startsWith('{')) {
      try {
        const record = JSON.parse(line);
        if (record !== null && typeof record === 'object' && 'level' in record) {
          body = condense(record);
        }
      } catch {
        // not JSON after all: print it as it came
      }
    }
    const head = prefix(name);
    return body
      .split('\n')
      .map((l) => `${head} ${l}`)
      .join('\n');
  };

  return Object.freeze({ format, prefix });
}

/** Calls `onLine` for every complete line of a readable stream. */
export function forEachLine(stream, onLine) {
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) onLine(l.replace(/\r$/, ''));
  });
  stream.on('end', () => {
    if (partial !== '') onLine(partial);
    partial = '';
  });
}
