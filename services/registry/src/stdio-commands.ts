// The stdio allow-list (BEACON_STDIO_COMMANDS): a file on the registry host naming the only
// commands an API or command-stream registration may run. A stdio MCP registered that way names
// an entry (`{"type":"stdio","command":"filesystem","args":[...]}`); the entry gives the real
// command, its fixed args, a pattern every caller arg must match, the env keys callers may set
// and the cwd. It is resolved at spawn time, with a minimal environment: the registry's own
// (REDIS_URL and the rest) never reaches the child. Only the fleet file (on the same host, so
// its editor already owns it) may give a free command.
import { readFileSync, statSync } from 'node:fs';
import { getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { describeIssues, issuesOf, type StdioTransport } from '@beacon/protocol';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** The host file is small by nature; a huge one is a mistake, refused before parsing. */
const MAX_FILE_BYTES = 1024 * 1024;
/** Caller args are capped before the host's pattern sees them, so any RegExp stays bounded. */
export const MAX_CALLER_ARG_LENGTH = 1_024;

const ENTRY_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

const Entry = z.strictObject({
  command: z.string().min(1).max(4_096),
  /** Fixed args, before the caller's. */
  args: z.array(z.string().max(4_096)).max(256).default([]),
  /**
   * A regular expression (from this trusted file) that each caller arg must match as a whole.
   * Absent: callers may pass no args at all.
   */
  extra_args: z
    .string()
    .min(1)
    .max(1_024)
    .transform((source, ctx) => {
      try {
        return new RegExp(`^(?:${source})$`, 'u');
      } catch (err) {
        ctx.addIssue({
          code: 'custom',
          message: `not a valid regular expression: ${err instanceof Error ? err.message : String(err)}`,
        });
        return z.NEVER;
      }
    })
    .optional(),
  /** At most this many caller args. */
  max_extra_args: z.number().int().min(0).max(64).default(16),
  /** Env keys callers may set (values are theirs); nothing else of theirs reaches the child. */
  env: z
    .array(z.string().regex(ENV_KEY, 'must be an environment variable name'))
    .max(64)
    .default([]),
  cwd: z.string().min(1).max(4_096).optional(),
});
export type StdioEntry = z.output<typeof Entry>;

const AllowListFile = z
  .record(z.string().regex(ENTRY_NAME, 'entry names are 1-64 of [A-Za-z0-9_.-]'), Entry)
  .refine((m) => Object.keys(m).length <= 1_000, 'at most 1000 entries');

export interface StdioAllowList {
  readonly file: string;
  readonly entries: ReadonlyMap<string, StdioEntry>;
}

/** Parses the allow-list text (YAML or JSON: JSON is YAML); throws an Error naming the field. */
export function parseStdioAllowList(text: string, file: string): StdioAllowList {
  let raw: unknown;
  try {
    raw = parseYaml(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new Error(`${file}: not YAML/JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  // An empty file is an empty list (every stdio registration refused), not an error.
  const parsed = AllowListFile.safeParse(raw ?? {});
  if (!parsed.success) throw new Error(`${file}: ${describeIssues(issuesOf(parsed.error))}`);
  return { file, entries: new Map(Object.entries(parsed.data)) };
}

/** Reads and checks the file once (at start-up, from the config loader). */
export function readStdioAllowList(file: string): StdioAllowList {
  const size = statSync(file).size;
  if (size > MAX_FILE_BYTES) {
    throw new Error(`${file}: ${size} bytes, over the ${MAX_FILE_BYTES}-byte cap`);
  }
  return parseStdioAllowList(readFileSync(file, 'utf8'), file);
}

/** A stdio transport the registry will not run; `code` as in command results. */
export class StdioRefused extends Error {
  override readonly name = 'StdioRefused';
  constructor(
    readonly code: 'forbidden' | 'invalid',
    message: string,
  ) {
    super(message);
  }
}

const shown = (s: string): string => JSON.stringify(s.length > 64 ? `${s.slice(0, 64)}…` : s);

/**
 * Checks a stdio transport given by a caller (API, command stream) against the allow-list; throws
 * StdioRefused naming the field. Caller args are length-capped before the host's pattern runs.
 */
export function checkCallerStdio(list: StdioAllowList | undefined, t: StdioTransport): StdioEntry {
  if (list === undefined) {
    throw new StdioRefused(
      'forbidden',
      'stdio transports are refused: the registry host has no BEACON_STDIO_COMMANDS allow-list ' +
        '(a stdio MCP is a process the registry runs on its host; only the fleet file may name free commands)',
    );
  }
  const entry = list.entries.get(t.command);
  if (entry === undefined) {
    throw new StdioRefused(
      'forbidden',
      `transport.command: ${shown(t.command)} is not an entry of the registry's BEACON_STDIO_COMMANDS allow-list`,
    );
  }
  const name = t.command;
  if (t.args.length > entry.max_extra_args) {
    throw new StdioRefused(
      'invalid',
      `transport.args: ${name} takes at most ${entry.max_extra_args} extra args (got ${t.args.length})`,
    );
  }
  t.args.forEach((arg, i) => {
    if (entry.extra_args === undefined) {
      throw new StdioRefused('invalid', `transport.args: ${name} takes no extra args`);
    }
    if (arg.length > MAX_CALLER_ARG_LENGTH) {
      throw new StdioRefused(
        'invalid',
        `transport.args[${i}]: at most ${MAX_CALLER_ARG_LENGTH} characters`,
      );
    }
    if (!entry.extra_args.test(arg)) {
      throw new StdioRefused(
        'invalid',
        `transport.args[${i}]: not allowed by the extra_args pattern of ${name}`,
      );
    }
  });
  for (const key of Object.keys(t.env ?? {})) {
    if (!entry.env.includes(key)) {
      throw new StdioRefused(
        'invalid',
        `transport.env.${key.slice(0, 128)}: ${name} does not let callers set this variable`,
      );
    }
  }
  if (t.cwd !== undefined) {
    throw new StdioRefused(
      'invalid',
      `transport.cwd: the allow-list entry ${name} sets the working directory; callers may not`,
    );
  }
  return entry;
}

/** What the prober spawns. */
export interface StdioSpawn {
  readonly command: string;
  readonly args: string[];
  readonly env: Record<string, string>;
  readonly cwd?: string;
}

/**
 * The process to run for a stdio MCP, decided at every spawn. A command naming an allow-list
 * entry runs that entry (re-checked: the registration may predate the file); any other command
 * runs only for an MCP the fleet file owns. The environment is the SDK's minimal one (PATH, HOME,
 * USER, SHELL, TERM, LOGNAME) plus the MCP's allowed env, never the registry's own.
 */
export function resolveStdio(
  list: StdioAllowList | undefined,
  t: StdioTransport,
  fromFleetFile: boolean,
): StdioSpawn {
  const base = getDefaultEnvironment();
  if (list?.entries.has(t.command) === true || !fromFleetFile) {
    const entry = checkCallerStdio(list, t);
    return {
      command: entry.command,
      args: [...entry.args, ...t.args],
      env: { ...base, ...t.env },
      ...(entry.cwd === undefined ? {} : { cwd: entry.cwd }),
    };
  }
  return {
    command: t.command,
    args: t.args,
    env: { ...base, ...t.env },
    ...(t.cwd === undefined ? {} : { cwd: t.cwd }),
  };
}
