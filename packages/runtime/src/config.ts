// Configuration from the environment, validated once at start-up. A bad deployment fails with
// one message naming every bad variable, instead of one error per restart.
import { BeaconError, describeIssues, issuesOf } from '@beacon/protocol';
import { z } from 'zod';

const REDIS_URL_RE = /^rediss?:\/\/[^\s,]+$/;

function redisUrlList(value: string): boolean {
  return value.split(',').every((part) => {
    const url = part.trim();
    if (!REDIS_URL_RE.test(url)) return false;
    try {
      return new URL(url).hostname !== '';
    } catch {
      return false;
    }
  });
}

/** Variables every Beacon process reads; spread into a service's own `z.object({...})`. */
export const baseConfig = {
  /** One URL, or for cluster mode a comma-separated list of node URLs (seeds). */
  REDIS_URL: z.string().default('redis://127.0.0.1:6379').refine(redisUrlList, {
    message: 'expected redis://host:port or rediss://… (comma-separated for cluster mode)',
  }),
  BEACON_REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'expected 1-64 characters of [A-Za-z0-9_.:-]')
    .default('beacon'),
  BEACON_REDIS_MODE: z.enum(['standalone', 'cluster']).default('standalone'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};

export const BaseConfig = z.object(baseConfig);
export type BaseConfig = z.output<typeof BaseConfig>;

/** The Redis part of a config, as createRedis() needs it. */
export type RedisConfig = Pick<BaseConfig, 'REDIS_URL' | 'BEACON_REDIS_MODE'>;

/** Integer env var helper: `PORT: intFromEnv(8080, { min: 1, max: 65535 })`. */
export function intFromEnv(fallback: number, range: { min?: number; max?: number } = {}) {
  let schema = z.coerce.number().int();
  if (range.min !== undefined) schema = schema.min(range.min);
  if (range.max !== undefined) schema = schema.max(range.max);
  return schema.default(fallback);
}

/** Boolean env var helper accepting 1/0, true/false, yes/no, on/off. */
export function boolFromEnv(fallback: boolean) {
  return z
    .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'])
    .transform((v) => v === '1' || v === 'true' || v === 'yes' || v === 'on')
    .default(fallback);
}

/**
 * Parse `env` with `schema`. Empty strings count as unset (so `LOG_LEVEL=` gets the default).
 * Throws `BeaconError('config')` whose message lists every bad variable by name.
 */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  env: Readonly<Record<string, string | undefined>> = process.env,
): z.output<S> {
  const cleaned: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') cleaned[key] = value;
  }
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const issues = issuesOf(result.error).map((i) => ({
    path: i.path,
    message:
      i.path !== '' && cleaned[i.path.split(/[.[]/)[0] ?? ''] === undefined
        ? `${i.message} (variable is not set)`
        : i.message,
  }));
  const names = [...new Set(issues.map((i) => i.path.split(/[.[]/)[0] || '(root)'))];
  throw new BeaconError(
    'config',
    `invalid configuration (${names.join(', ')}): ${describeIssues(issues)}`,
    { issues, cause: result.error },
  );
}

/** loadConfig, or print the problem to stderr and exit 1: for a service's main(). */
export function loadConfigOrExit<S extends z.ZodType>(
  schema: S,
  env: Readonly<Record<string, string | undefined>> = process.env,
): z.output<S> {
  try {
    return loadConfig(schema, env);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
