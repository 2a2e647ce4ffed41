// The alerting admin API under /api/alerts/: channels, rules and silences (CRUD), a channel test
// and the notification history. Admin only, reads included, and never for a scoped token (one
// with an `mcps` claim): a channel or rule reaches the whole fleet, so it is not a per-MCP right.
// Reads come from the notifier's Redis hashes (unmasked there: masked here before answering;
// entries that do not parse are skipped, never a 500); writes are notifier commands answered
// once the notifier applied them (its refusals map like the registry's).
import type { RedisClient } from '@beacon/event-log';
import {
  AlertId,
  AlertRule,
  BeaconError,
  ChannelConfig,
  ChannelStatus,
  DeliveryRecord,
  NOTIFIER_KEY,
  REDACTED_SECRET,
  Silence,
  keepMaskedSecrets,
  parseOrThrow,
  redactChannel,
  type CommandResult,
  type Keyspace,
} from '@beacon/protocol';
import type { Logger } from 'pino';
import type { TemplatedApp } from 'uWebSockets.js';
import { z } from 'zod';
import { createApiRoutes } from './api-routes.js';
import { isScoped, type Authenticator, type Principal } from './auth.js';
import { commandError, type CommandBus } from './commands.js';
import type { EdgeMetrics } from './edge-metrics.js';
import type { HostPolicy } from './hosts.js';
import { json, type Reply, type RequestInfo } from './http.js';

export interface AlertsApiDeps {
  readonly app: TemplatedApp;
  readonly redis: RedisClient;
  readonly keys: Keyspace;
  readonly commands: CommandBus;
  readonly auth: Authenticator;
  readonly allowedOrigins: readonly string[];
  readonly hosts: HostPolicy;
  readonly maxBodyBytes: number;
  readonly commandTimeoutMs: number;
  readonly metrics: EdgeMetrics;
  readonly logger: Logger;
}

/** A channel test waits for the receiver (the notifier's send timeout) plus the command hop. */
const TEST_WAIT_MS = 30_000;

const HistoryQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** The notifier checks cron fully; the edge refuses what cannot be 5 fields at once. */
const CRON_FIELDS = /^\s*\S+(\s+\S+){4}\s*$/;

type Kind = 'channels' | 'rules' | 'silences';

export function mountAlertsApi(deps: AlertsApiDeps): void {
  const { app, redis, keys, commands, metrics } = deps;
  const log = deps.logger.child({ component: 'alerts-api' });
  const key = (suffix: string): string => keys.notifier(suffix);

  const api = createApiRoutes({ ...deps, log });
  const body = api.body;
  const route = (
    paramCount: number,
    withBody: boolean,
    fn: (p: Principal, info: RequestInfo, b: Buffer | null) => Promise<Reply>,
  ) => api.route(paramCount, withBody, async (info, b) => fn(await adminOf(info), info, b));

  async function adminOf(info: RequestInfo): Promise<Principal> {
    const p = await api.principalOf(info);
    if (p.role !== 'admin') {
      throw new BeaconError(
        'forbidden',
        `role ${p.role} may not see or change alerting (admin only)`,
      );
    }
    if (isScoped(p)) {
      throw new BeaconError(
        'forbidden',
        'alerting is fleet-wide: a token limited to some MCPs (mcps claim) may not use /api/alerts',
      );
    }
    return p;
  }

  function idParam(info: RequestInfo, what: string): string {
    let raw = info.params[0] ?? '';
    try {
      raw = decodeURIComponent(raw);
    } catch {
      throw new BeaconError('invalid', `${what} id is not valid URL encoding`);
    }
    return parseOrThrow(AlertId, raw, `${what} id`);
  }

  /** The body's id must be the path's (or absent: the path's is used). */
  function withPathId(value: unknown, id: string, what: string): unknown {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
    const given = (value as { id?: unknown }).id;
    if (given !== undefined && given !== id) {
      throw new BeaconError('invalid', `invalid ${what}: id: must be ${id} (the id in the path)`, {
        issues: [{ path: 'id', message: `must be ${id} (the id in the path)` }],
      });
    }
    return { ...value, id };
  }

  // --- reads ------------------------------------------------------------------------------

  const warned = new Set<string>();
  function skip(kind: string, id: string, why: string): void {
    const k = `${kind}:${id}`;
    if (warned.has(k) || warned.size > 1_000) return;
    warned.add(k);
    log.warn({ kind, id, why }, 'skipped an unreadable entry in the notifier store');
  }

  function parseStored<T>(
    schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } },
    kind: string,
    id: string,
    raw: string | null | undefined,
  ): T | undefined {
    if (raw === null || raw === undefined) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      skip(kind, id, 'not JSON');
      return undefined;
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      skip(kind, id, 'does not match the schema');
      return undefined;
    }
    return parsed.data;
  }

  async function readAll<T>(
    kind: Kind,
    schema: Parameters<typeof parseStored<T>>[0],
  ): Promise<T[]> {
    const all = await store(() => redis.hgetall(key(NOTIFIER_KEY[kind])));
    const out: T[] = [];
    for (const id of Object.keys(all).sort()) {
      const v = parseStored(schema, kind, id, all[id]);
      if (v !== undefined) out.push(v);
    }
    return out;
  }

  async function readOne<T>(
    kind: Kind,
    schema: Parameters<typeof parseStored<T>>[0],
    id: string,
  ): Promise<T | undefined> {
    const raw = await store(() => redis.hget(key(NOTIFIER_KEY[kind]), id));
    return parseStored(schema, kind, id, raw);
  }

  async function store<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new BeaconError('unavailable', 'cannot read the alerting config: Redis unavailable', {
        cause: err,
      });
    }
  }

  const statusOf = async (ids: readonly string[]): Promise<(ChannelStatus | null)[]> => {
    if (ids.length === 0) return [];
    const raw = await store(() => redis.hmget(key(NOTIFIER_KEY.channelStatus), ...ids));
    return ids.map((id, i) => parseStored(ChannelStatus, 'channel-status', id, raw[i]) ?? null);
  };
  const viewOf = async (c: ChannelConfig) => ({
    ...redactChannel(c),
    status: (await statusOf([c.id]))[0] ?? null,
  });

  const notFound = (what: string, id: string): BeaconError =>
    new BeaconError('not_found', `no alert ${what} ${id}`);

  // --- writes -----------------------------------------------------------------------------

  function settle(result: CommandResult): void {
    metrics.command(result.ok ? 'ok' : (result.error?.code ?? 'failed'));
    if (!result.ok) throw commandError(result);
  }

  const channelBody = (b: Buffer | null, info: RequestInfo, id?: string): ChannelConfig => {
    const raw = body(b, info);
    return parseOrThrow(
      ChannelConfig,
      id === undefined ? raw : withPathId(raw, id, 'channel'),
      'channel',
    );
  };

  async function ruleBody(b: Buffer | null, info: RequestInfo, id?: string): Promise<AlertRule> {
    const raw = body(b, info);
    const rule = parseOrThrow(
      AlertRule,
      id === undefined ? raw : withPathId(raw, id, 'rule'),
      'rule',
    );
    const known = await store(() => redis.hkeys(key(NOTIFIER_KEY.channels)));
    const issues = rule.channels.flatMap((c, i) =>
      known.includes(c) ? [] : [{ path: `channels[${i}]`, message: `no alert channel ${c}` }],
    );
    if (issues.length > 0) {
      throw new BeaconError(
        'invalid',
        `invalid rule: ${issues.map((x) => `${x.path}: ${x.message}`).join('; ')}`,
        { issues },
      );
    }
    return rule;
  }

  function silenceBody(b: Buffer | null, info: RequestInfo, p: Principal, id?: string): Silence {
    const raw = body(b, info);
    const silence = parseOrThrow(
      Silence,
      id === undefined ? raw : withPathId(raw, id, 'silence'),
      'silence',
    );
    if (silence.cron !== undefined && !CRON_FIELDS.test(silence.cron)) {
      const message = 'must be a 5-field cron expression (minute hour day month weekday, UTC)';
      throw new BeaconError('invalid', `invalid silence: cron: ${message}`, {
        issues: [{ path: 'cron', message }],
      });
    }
    return { ...silence, created_by: silence.created_by ?? p.sub };
  }

  /** A mask with nothing stored behind it (new channel, changed type, new header) is no secret. */
  function refuseMasked(c: ChannelConfig): void {
    const m = (v: string | undefined): boolean =>
      v !== undefined && (v === REDACTED_SECRET || v.endsWith(`/${REDACTED_SECRET}`));
    const fields: [string, string | undefined][] =
      c.type === 'webhook'
        ? [
            ['url', c.url],
            ['secret', c.secret],
            ...Object.entries(c.headers ?? {}).map(([k, v]): [string, string] => [
              `headers.${k}`,
              v,
            ]),
          ]
        : c.type === 'slack'
          ? [['webhook_url', c.webhook_url]]
          : c.type === 'pagerduty'
            ? [['routing_key', c.routing_key]]
            : [['password', c.password]];
    const issues = fields
      .filter(([, v]) => m(v))
      .map(([path]) => ({ path, message: 'masked value with no stored value to keep: send it' }));
    if (issues.length > 0) {
      throw new BeaconError(
        'invalid',
        `invalid channel: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
        { issues },
      );
    }
  }

  const exists = (kind: Kind, id: string): Promise<boolean> =>
    store(async () => (await redis.hexists(key(NOTIFIER_KEY[kind]), id)) === 1);

  // --- channels ---------------------------------------------------------------------------

  app.get(
    '/api/alerts/channels',
    route(0, false, async () => {
      const channels = await readAll<ChannelConfig>('channels', ChannelConfig);
      const statuses = await statusOf(channels.map((c) => c.id));
      const shown = channels.map((c, i) => ({ ...redactChannel(c), status: statuses[i] ?? null }));
      return json(200, JSON.stringify({ channels: shown }));
    }),
  );

  app.get(
    '/api/alerts/channels/:id',
    route(1, false, async (_p, info) => {
      const id = idParam(info, 'channel');
      const c = await readOne<ChannelConfig>('channels', ChannelConfig, id);
      if (c === undefined) throw notFound('channel', id);
      return json(200, JSON.stringify({ channel: await viewOf(c) }));
    }),
  );

  async function putChannel(p: Principal, next: ChannelConfig, status: number): Promise<Reply> {
    const result = await commands.notifier({ type: 'put_channel', channel: next }, p.sub);
    settle(result);
    const stored = (await readOne<ChannelConfig>('channels', ChannelConfig, next.id)) ?? next;
    return json(
      status,
      JSON.stringify({ command_id: result.command_id, channel: await viewOf(stored) }),
    );
  }

  app.post(
    '/api/alerts/channels',
    route(0, true, async (p, info, b) => {
      const channel = channelBody(b, info);
      refuseMasked(channel);
      if (await exists('channels', channel.id)) {
        throw new BeaconError(
          'conflict',
          `alert channel ${channel.id} exists; use PUT to replace it`,
        );
      }
      return putChannel(p, channel, 201);
    }),
  );

  app.put(
    '/api/alerts/channels/:id',
    route(1, true, async (p, info, b) => {
      const id = idParam(info, 'channel');
      const next = channelBody(b, info, id);
      const stored = await readOne<ChannelConfig>('channels', ChannelConfig, id);
      if (stored === undefined) throw notFound('channel', id);
      // What a client read (masked) and sent back unchanged keeps the stored secrets.
      const kept = keepMaskedSecrets(next, stored);
      refuseMasked(kept);
      return putChannel(p, kept, 200);
    }),
  );

  app.post(
    '/api/alerts/channels/:id/test',
    route(1, true, async (p, info) => {
      const id = idParam(info, 'channel');
      if (!(await exists('channels', id))) throw notFound('channel', id);
      const result = await commands.notifier(
        { type: 'test_channel', id },
        p.sub,
        Math.max(deps.commandTimeoutMs, TEST_WAIT_MS),
      );
      metrics.command(result.ok ? 'ok' : (result.error?.code ?? 'failed'));
      // A failed delivery is still the receiver's answer: shown, not turned into an error.
      if (result.delivery !== undefined) {
        return json(200, JSON.stringify({ delivery: result.delivery }));
      }
      if (!result.ok) throw commandError(result);
      throw new BeaconError('internal', 'the notifier answered the test without a delivery');
    }),
  );

  // --- rules ------------------------------------------------------------------------------

  app.get(
    '/api/alerts/rules',
    route(0, false, async () =>
      json(200, JSON.stringify({ rules: await readAll<AlertRule>('rules', AlertRule) })),
    ),
  );
  app.get(
    '/api/alerts/rules/:id',
    route(1, false, async (_p, info) => {
      const id = idParam(info, 'rule');
      const rule = await readOne<AlertRule>('rules', AlertRule, id);
      if (rule === undefined) throw notFound('rule', id);
      return json(200, JSON.stringify({ rule }));
    }),
  );
  async function putRule(p: Principal, rule: AlertRule, status: number): Promise<Reply> {
    const result = await commands.notifier({ type: 'put_rule', rule }, p.sub);
    settle(result);
    const stored = (await readOne<AlertRule>('rules', AlertRule, rule.id)) ?? rule;
    return json(status, JSON.stringify({ command_id: result.command_id, rule: stored }));
  }
  app.post(
    '/api/alerts/rules',
    route(0, true, async (p, info, b) => {
      const rule = await ruleBody(b, info);
      if (await exists('rules', rule.id)) {
        throw new BeaconError('conflict', `alert rule ${rule.id} exists; use PUT to replace it`);
      }
      return putRule(p, rule, 201);
    }),
  );
  app.put(
    '/api/alerts/rules/:id',
    route(1, true, async (p, info, b) => {
      const id = idParam(info, 'rule');
      const rule = await ruleBody(b, info, id);
      if (!(await exists('rules', id))) throw notFound('rule', id);
      return putRule(p, rule, 200);
    }),
  );

  // --- silences ---------------------------------------------------------------------------

  app.get(
    '/api/alerts/silences',
    route(0, false, async () =>
      json(200, JSON.stringify({ silences: await readAll<Silence>('silences', Silence) })),
    ),
  );
  app.get(
    '/api/alerts/silences/:id',
    route(1, false, async (_p, info) => {
      const id = idParam(info, 'silence');
      const silence = await readOne<Silence>('silences', Silence, id);
      if (silence === undefined) throw notFound('silence', id);
      return json(200, JSON.stringify({ silence }));
    }),
  );
  async function putSilence(p: Principal, silence: Silence, status: number): Promise<Reply> {
    const result = await commands.notifier({ type: 'put_silence', silence }, p.sub);
    settle(result);
    const stored = (await readOne<Silence>('silences', Silence, silence.id)) ?? silence;
    return json(status, JSON.stringify({ command_id: result.command_id, silence: stored }));
  }
  app.post(
    '/api/alerts/silences',
    route(0, true, async (p, info, b) => {
      const silence = silenceBody(b, info, p);
      if (await exists('silences', silence.id)) {
        throw new BeaconError('conflict', `silence ${silence.id} exists; use PUT to replace it`);
      }
      return putSilence(p, silence, 201);
    }),
  );
  app.put(
    '/api/alerts/silences/:id',
    route(1, true, async (p, info, b) => {
      const id = idParam(info, 'silence');
      const silence = silenceBody(b, info, p, id);
      if (!(await exists('silences', id))) throw notFound('silence', id);
      return putSilence(p, silence, 200);
    }),
  );

  // --- deletes ----------------------------------------------------------------------------

  const DELETE = {
    channels: ['channel', 'delete_channel'],
    rules: ['rule', 'delete_rule'],
    silences: ['silence', 'delete_silence'],
  } as const;
  for (const kind of ['channels', 'rules', 'silences'] as const) {
    const [what, type] = DELETE[kind];
    app.del(
      `/api/alerts/${kind}/:id`,
      route(1, false, async (p, info) => {
        const id = idParam(info, what);
        if (!(await exists(kind, id))) throw notFound(what, id);
        const result = await commands.notifier({ type, id }, p.sub);
        settle(result);
        return json(200, JSON.stringify({ command_id: result.command_id, deleted: id }));
      }),
    );
  }

  // --- history ----------------------------------------------------------------------------

  app.get(
    '/api/alerts/history',
    route(0, false, async (_p, info) => {
      const limit = info.q('limit');
      const q = parseOrThrow(
        HistoryQuery,
        limit === null || limit === '' ? {} : { limit },
        'query',
      );
      const raw = await store(() => redis.lrange(key(NOTIFIER_KEY.history), 0, q.limit - 1));
      const records = raw.flatMap((r, i) => {
        const v = parseStored(DeliveryRecord, 'history', String(i), r);
        return v === undefined ? [] : [v];
      });
      return json(200, JSON.stringify({ records }));
    }),
  );
}
