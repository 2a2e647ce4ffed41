// BEACON_ALERTS_FILE: channels, rules and silences kept in a file on the notifier's host (YAML or
// JSON), like the registry's fleet file. Read within a size cap (checked on the open file; the
// read stops one byte past it), parsed with YAML aliases capped, validated entry by entry: a bad
// entry is reported by its kind, index, id and field and skipped, the good ones are applied
// (upserted by id; entries the file no longer names stay until deleted through the API). An
// empty file is refused (an explicit `channels: []` etc. is fine).
import { open } from 'node:fs/promises';
import {
  AlertRule,
  AlertsFile,
  ChannelConfig,
  Silence,
  describeIssues,
  issuesOf,
} from '@beacon/protocol';
import { parse as parseYaml } from 'yaml';

export interface ParsedAlertsFile {
  readonly channels: ChannelConfig[];
  readonly rules: AlertRule[];
  readonly silences: Silence[];
  /** One line per refused entry: `rules[2] (id paging): for: like 30s, 5m, 2h or 1d`. */
  readonly problems: string[];
}

export class AlertsFileRefused extends Error {
  override readonly name = 'AlertsFileRefused';
}

async function readCapped(path: string, maxBytes: number): Promise<string> {
  const file = await open(path, 'r').catch((err: unknown) => {
    throw new AlertsFileRefused(`cannot open ${path}: ${(err as Error).message}`);
  });
  try {
    const { size } = await file.stat();
    if (size > maxBytes) {
      throw new AlertsFileRefused(`${path} is ${size} bytes, over the ${maxBytes} byte cap`);
    }
    const buf = Buffer.alloc(Math.min(maxBytes + 1, Math.max(size, 1) + 1));
    let read = 0;
    while (read < buf.length) {
      const { bytesRead } = await file.read(buf, read, buf.length - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    if (read > maxBytes) throw new AlertsFileRefused(`${path} grew over the ${maxBytes} byte cap`);
    return buf.subarray(0, read).toString('utf8');
  } finally {
    await file.close();
  }
}

export function parseAlertsDocument(text: string, source = 'alerts file'): ParsedAlertsFile {
  if (text.trim() === '') {
    throw new AlertsFileRefused(`${source} is empty (write "channels: []" etc. to mean none)`);
  }
  let doc: unknown;
  try {
    doc = text.trimStart().startsWith('{')
      ? JSON.parse(text)
      : parseYaml(text, { maxAliasCount: 100, prettyErrors: true });
  } catch (err) {
    throw new AlertsFileRefused(`${source} does not parse: ${(err as Error).message}`);
  }
  const top = AlertsFile.safeParse(doc);
  if (!top.success) {
    throw new AlertsFileRefused(`${source}: ${describeIssues(issuesOf(top.error))}`);
  }
  const problems: string[] = [];
  const each = <T>(
    list: unknown[],
    kind: string,
    schema: {
      safeParse(
        v: unknown,
      ): { success: true; data: T } | { success: false; error: Parameters<typeof issuesOf>[0] };
    },
  ): T[] => {
    const out: T[] = [];
    const seen = new Set<string>();
    list.forEach((raw, i) => {
      const id = (raw as { id?: unknown } | null)?.id;
      const label = `${kind}[${i}]${typeof id === 'string' ? ` (id ${id.slice(0, 64)})` : ''}`;
      const r = schema.safeParse(raw);
      if (!r.success) {
        problems.push(`${label}: ${describeIssues(issuesOf(r.error))}`);
        return;
      }
      const got = (r.data as { id: string }).id;
      if (seen.has(got)) {
        problems.push(`${label}: duplicate id ${got}`);
        return;
      }
      seen.add(got);
      out.push(r.data);
    });
    return out;
  };
  return {
    channels: each(top.data.channels, 'channels', ChannelConfig),
    rules: each(top.data.rules, 'rules', AlertRule),
    silences: each(top.data.silences, 'silences', Silence),
    problems,
  };
}

export async function readAlertsFile(path: string, maxBytes: number): Promise<ParsedAlertsFile> {
  return parseAlertsDocument(await readCapped(path, maxBytes), path);
}
