// Parses a fleet file (YAML or JSON): a list of MCP registrations, either at the top level or
// under `mcps:`. Each entry is validated on its own with the protocol's McpConfigInput, so one
// bad entry is reported by name and field while the good ones still load. A file that cannot
// be parsed at all is an error: the caller keeps the current fleet rather than removing it.
// So is a file with no list at all (0 bytes, only comments, `mcps:` with nothing after it): an
// editor's truncate-then-write or a bad deploy must not remove every file-managed MCP; only an
// explicit empty list (`mcps: []`, `[]`) empties the fleet.
import { BeaconError, issuesOf, McpConfigInput, type McpConfig } from '@beacon/protocol';
import { parse as parseYaml } from 'yaml';

export interface FleetFileIssue {
  /** Position in the list. */
  readonly index: number;
  /** The entry's name when it has a usable one. */
  readonly name: string | null;
  /** Field path inside the entry, e.g. `transport.url` ("" = the entry itself). */
  readonly path: string;
  readonly message: string;
}

export interface ParsedFleetFile {
  readonly entries: McpConfig[];
  readonly issues: FleetFileIssue[];
}

export function describeFleetIssue(i: FleetFileIssue): string {
  const who = i.name ?? `entry #${i.index}`;
  return i.path === '' ? `${who}: ${i.message}` : `${who}: ${i.path}: ${i.message}`;
}

/**
 * YAML options: aliases are expanded when the document becomes JS values, so cap their count
 * ("billion laughs": 9 levels of 9 aliases would expand to ~387 million nodes).
 */
export const YAML_OPTIONS = { maxAliasCount: 100, uniqueKeys: true } as const;

export const isJsonFleetFile = (fileName: string): boolean => /\.json$/i.test(fileName);

function parseText(text: string, fileName: string): unknown {
  if (text.trim() === '') return null; // empty: refused by parseFleetDocument, for JSON too
  try {
    return isJsonFleetFile(fileName)
      ? (JSON.parse(text) as unknown)
      : (parseYaml(text, YAML_OPTIONS) as unknown);
  } catch (err) {
    throw new BeaconError(
      'invalid',
      `fleet file ${fileName}: cannot parse: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}

export function parseFleetFile(text: string, fileName: string): ParsedFleetFile {
  return parseFleetDocument(parseText(text, fileName), fileName);
}

/** Validate an already parsed document (YAML may be parsed off the event loop). */
export function parseFleetDocument(doc: unknown, fileName: string): ParsedFleetFile {
  let list: unknown;
  if (doc === null || doc === undefined) {
    throw new BeaconError(
      'invalid',
      `fleet file ${fileName}: empty (no "mcps" list); write "mcps: []" to remove every file-managed MCP`,
    );
  } else if (Array.isArray(doc)) list = doc;
  else if (typeof doc === 'object' && 'mcps' in doc) list = doc.mcps;
  else {
    throw new BeaconError(
      'invalid',
      `fleet file ${fileName}: expected a list of MCPs or an object with "mcps: [...]"`,
    );
  }
  if (!Array.isArray(list)) {
    throw new BeaconError('invalid', `fleet file ${fileName}: "mcps" must be a list`);
  }

  const entries: McpConfig[] = [];
  const issues: FleetFileIssue[] = [];
  const seen = new Set<string>();
  list.forEach((raw: unknown, index) => {
    const rawName =
      raw !== null &&
      typeof raw === 'object' &&
      typeof (raw as { name?: unknown }).name === 'string'
        ? (raw as { name: string }).name
        : null;
    const result = McpConfigInput.safeParse(raw);
    if (!result.success) {
      for (const issue of issuesOf(result.error)) {
        issues.push({ index, name: rawName, path: issue.path, message: issue.message });
      }
      return;
    }
    if (seen.has(result.data.name)) {
      issues.push({
        index,
        name: result.data.name,
        path: 'name',
        message: 'duplicate name in the fleet file',
      });
      return;
    }
    seen.add(result.data.name);
    entries.push(result.data);
  });
  return { entries, issues };
}
