// Alerting contracts (services/notifier, the edge's /api/alerts/*, the dashboard): notification
// channels, rules, silences, the notification a channel delivers, and the notifier's commands.
// Secrets (webhook URLs, signing secrets, routing keys, SMTP passwords, header values) are kept
// by the notifier and always shown masked (`redactChannel`); a write that sends a masked value
// back keeps the stored one.
import { z } from 'zod';
import { HealthStatus, McpName } from './status.js';

export const REDACTED_SECRET = '***';

/** Ids of channels, rules and silences: URL path segments and Redis hash fields. */
export const AlertId = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
    'must be 1-64 characters of letters, digits, "_", "." or "-", starting with a letter or digit',
  );
export type AlertId = z.infer<typeof AlertId>;

const HttpUrl = z
  .string()
  .max(2048)
  .refine((u) => /^https?:\/\/[^\s/?#]+/i.test(u), 'must be an http:// or https:// URL');
const HeaderName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/, 'not a header name');
const HeaderValue = z
  .string()
  .max(4096)
  .refine((v) => !/[\r\n\0]/.test(v), 'header values cannot contain CR, LF or NUL');
const Headers = z
  .record(HeaderName, HeaderValue)
  .refine((h) => Object.keys(h).length <= 32, 'at most 32 headers');
const Email = z
  .string()
  .max(320)
  .regex(/^[^\s@<>,;"]+@[^\s@<>,;"]+$/, 'must be an address like ops@example.com');

const ChannelCommon = {
  id: AlertId,
  name: z.string().min(1).max(128).optional(),
  enabled: z.boolean().default(true),
};

/** Generic webhook: JSON POST, `X-Beacon-Signature: sha256=<hex HMAC of the body>` if a secret. */
export const WebhookChannel = z.strictObject({
  ...ChannelCommon,
  type: z.literal('webhook'),
  url: HttpUrl,
  /** HMAC-SHA256 key for the signature header. */
  secret: z.string().min(1).max(512).optional(),
  headers: Headers.optional(),
});
/** Slack incoming webhook (Block Kit message). */
export const SlackChannel = z.strictObject({
  ...ChannelCommon,
  type: z.literal('slack'),
  webhook_url: HttpUrl,
});
/** PagerDuty Events API v2: trigger / resolve with one dedup key per MCP incident. */
export const PagerDutyChannel = z.strictObject({
  ...ChannelCommon,
  type: z.literal('pagerduty'),
  routing_key: z.string().min(1).max(128),
  /** Default https://events.pagerduty.com/v2/enqueue (another URL for a proxy or a test). */
  url: HttpUrl.optional(),
});
/** Email over SMTP. */
export const EmailChannel = z.strictObject({
  ...ChannelCommon,
  type: z.literal('email'),
  host: z.string().min(1).max(253),
  port: z.number().int().min(1).max(65_535).default(587),
  /** `tls`: implicit TLS (port 465); `starttls`: upgrade required; `none`: plain (tests only). */
  security: z.enum(['starttls', 'tls', 'none']).default('starttls'),
  username: z.string().min(1).max(256).optional(),
  password: z.string().min(1).max(512).optional(),
  from: Email,
  to: z.array(Email).min(1).max(50),
});

export const ChannelConfig = z.discriminatedUnion('type', [
  WebhookChannel,
  SlackChannel,
  PagerDutyChannel,
  EmailChannel,
]);
export type ChannelConfig = z.output<typeof ChannelConfig>;
export type ChannelInput = z.input<typeof ChannelConfig>;
export type ChannelType = ChannelConfig['type'];

/** A channel as every reader sees it: secrets masked. */
export function redactChannel(c: ChannelConfig): ChannelConfig {
  const mask = (v: string | undefined): string | undefined =>
    v === undefined ? undefined : REDACTED_SECRET;
  switch (c.type) {
    case 'webhook': {
      const headers =
        c.headers === undefined
          ? undefined
          : Object.fromEntries(Object.keys(c.headers).map((k) => [k, REDACTED_SECRET]));
      return {
        ...c,
        url: maskUrlPath(c.url),
        ...(c.secret === undefined ? {} : { secret: REDACTED_SECRET }),
        ...(headers === undefined ? {} : { headers }),
      };
    }
    case 'slack':
      return { ...c, webhook_url: maskUrlPath(c.webhook_url) };
    case 'pagerduty':
      return { ...c, routing_key: REDACTED_SECRET };
    case 'email':
      return { ...c, ...(c.password === undefined ? {} : { password: mask(c.password) }) };
  }
}

/** `https://hooks.example.com/services/T0/B0/xyz?k=v` → `https://hooks.example.com/***`. */
export function maskUrlPath(url: string): string {
  const m = /^(https?:\/\/)([^/?#]*)/i.exec(url);
  if (m === null) return REDACTED_SECRET;
  const authority = (m[2] ?? '').replace(/^[^@]*@/, '***@');
  return `${m[1] ?? ''}${authority}/${REDACTED_SECRET}`;
}

/**
 * A channel write whose secret fields hold the mask keeps the stored values: what a client read
 * (masked) can be sent back unchanged. A masked URL keeps the stored URL.
 */
export function keepMaskedSecrets(
  next: ChannelConfig,
  stored: ChannelConfig | undefined,
): ChannelConfig {
  if (stored === undefined || stored.type !== next.type) return next;
  const masked = (v: string | undefined): boolean =>
    v !== undefined && (v === REDACTED_SECRET || v.endsWith(`/${REDACTED_SECRET}`));
  switch (next.type) {
    case 'webhook': {
      const s = stored as z.output<typeof WebhookChannel>;
      const headers =
        next.headers === undefined
          ? undefined
          : Object.fromEntries(
              Object.entries(next.headers).map(([k, v]) => [
                k,
                v === REDACTED_SECRET ? (s.headers?.[k] ?? v) : v,
              ]),
            );
      return {
        ...next,
        url: masked(next.url) ? s.url : next.url,
        ...(next.secret === REDACTED_SECRET && s.secret !== undefined ? { secret: s.secret } : {}),
        ...(headers === undefined ? {} : { headers }),
      };
    }
    case 'slack': {
      const s = stored as z.output<typeof SlackChannel>;
      return { ...next, webhook_url: masked(next.webhook_url) ? s.webhook_url : next.webhook_url };
    }
    case 'pagerduty': {
      const s = stored as z.output<typeof PagerDutyChannel>;
      return {
        ...next,
        routing_key: next.routing_key === REDACTED_SECRET ? s.routing_key : next.routing_key,
      };
    }
    case 'email': {
      const s = stored as z.output<typeof EmailChannel>;
      return next.password === REDACTED_SECRET && s.password !== undefined
        ? { ...next, password: s.password }
        : next;
    }
  }
}

/** A duration: seconds as a number, or `90s`, `5m`, `2h`, `1d`. Normalised to seconds. */
export const DurationSeconds = z
  .union([
    z.number().int().min(0),
    z.string().regex(/^\d{1,7}(s|m|h|d)$/, 'like 30s, 5m, 2h or 1d'),
  ])
  .transform((v) => {
    if (typeof v === 'number') return v;
    const n = Number(v.slice(0, -1));
    const unit = v.slice(-1);
    return n * (unit === 'd' ? 86_400 : unit === 'h' ? 3_600 : unit === 'm' ? 60 : 1);
  })
  .refine((s) => s <= 30 * 86_400, 'at most 30 days');

/**
 * What a rule alerts on. `down`: unhealthy, disconnected or inactive (auto-disabled or not);
 * `auth_failed`: credentials rejected; `circuit_opened`; `auto_disabled`; `recovered`: a failing MCP
 * became healthy again (sent whether or not a down alert fired).
 */
export const AlertTransition = z.enum([
  'down',
  'auth_failed',
  'circuit_opened',
  'auto_disabled',
  'recovered',
]);
export type AlertTransition = z.infer<typeof AlertTransition>;
/** The incident kinds a transition opens (recovered opens none). */
export type AlertKind = Exclude<AlertTransition, 'recovered'>;

const Patterns = z.array(z.string().min(1).max(128)).max(64);
const Tags = z.array(z.string().min(1).max(64)).max(32);

export const AlertRule = z.strictObject({
  id: AlertId,
  name: z.string().min(1).max(128).optional(),
  enabled: z.boolean().default(true),
  /** MCP name patterns (`*` globs); default every MCP. */
  mcps: Patterns.default(['*']),
  /** Only MCPs carrying at least one of these tags (empty: any). */
  tags: Tags.default([]),
  on: z.array(AlertTransition).min(1).max(5).default(['down', 'auth_failed']),
  /** Alert only once the state lasted this long; what recovers sooner is not sent. */
  for: DurationSeconds.default(0),
  /** While still firing, remind this often (absent: never). */
  repeat_every: DurationSeconds.refine((s) => s >= 1, 'at least 1 s').optional(),
  send_resolved: z.boolean().default(true),
  channels: z.array(AlertId).min(1).max(16),
});
export type AlertRule = z.output<typeof AlertRule>;
export type AlertRuleInput = z.input<typeof AlertRule>;

export const Silence = z
  .strictObject({
    id: AlertId,
    comment: z.string().max(512).default(''),
    mcps: Patterns.default(['*']),
    tags: Tags.default([]),
    /** One-off window (ISO-8601)… */
    starts_at: z.iso.datetime({ offset: true }).optional(),
    ends_at: z.iso.datetime({ offset: true }).optional(),
    /** …or recurring: a 5-field cron expression (UTC) and how long each window lasts. */
    cron: z.string().min(9).max(128).optional(),
    duration: DurationSeconds.optional(),
    created_by: z.string().max(256).optional(),
  })
  .superRefine((s, ctx) => {
    const oneOff = s.starts_at !== undefined || s.ends_at !== undefined;
    const recurring = s.cron !== undefined || s.duration !== undefined;
    if (oneOff === recurring) {
      ctx.addIssue({
        code: 'custom',
        path: oneOff ? ['cron'] : ['ends_at'],
        message: 'a silence is either one-off (starts_at + ends_at) or recurring (cron + duration)',
      });
      return;
    }
    if (oneOff) {
      if (s.starts_at === undefined || s.ends_at === undefined) {
        ctx.addIssue({ code: 'custom', path: ['ends_at'], message: 'needs starts_at and ends_at' });
      } else if (Date.parse(s.ends_at) <= Date.parse(s.starts_at)) {
        ctx.addIssue({ code: 'custom', path: ['ends_at'], message: 'must be after starts_at' });
      }
    } else if (s.cron === undefined || s.duration === undefined || s.duration === 0) {
      ctx.addIssue({
        code: 'custom',
        path: [s.cron === undefined ? 'cron' : 'duration'],
        message: 'a recurring silence needs cron and a duration above 0',
      });
    }
  });
export type Silence = z.output<typeof Silence>;
export type SilenceInput = z.input<typeof Silence>;

/** The file the notifier may load (BEACON_ALERTS_FILE), like the registry's fleet file. */
export const AlertsFile = z.strictObject({
  channels: z.array(z.unknown()).max(1_000).default([]),
  rules: z.array(z.unknown()).max(10_000).default([]),
  silences: z.array(z.unknown()).max(10_000).default([]),
});

/** What a channel delivers: one alert firing, reminding or resolving. */
export const Notification = z.object({
  /** `<event offset>:<rule id>` (+ `:r<n>` for reminders): receivers dedupe on it. */
  idempotency_key: z.string().min(1).max(256),
  /** One key per MCP incident and rule: PagerDuty's dedup_key (≤ 255), stable from trigger to resolve. */
  incident_key: z.string().min(1).max(256),
  state: z.enum(['firing', 'reminder', 'resolved', 'test']),
  kind: z.union([AlertTransition, z.literal('test')]),
  rule_id: z.string(),
  mcp_name: McpName,
  status: HealthStatus.nullable(),
  /** A one-line summary ("billing_mcp is down: connection refused"). */
  summary: z.string().max(1024),
  error: z.string().max(1024).nullable(),
  /** When the incident started (ISO) and, for resolved, when it ended. */
  started_at: z.string(),
  ended_at: z.string().nullable(),
  /** Offset of the event that caused this notification. */
  offset: z.string(),
  tags: z.array(z.string()).default([]),
  dashboard_url: z.string().nullable().default(null),
});
export type Notification = z.output<typeof Notification>;

/** The answer of one delivery attempt (and of `POST /api/alerts/channels/:id/test`). */
export const DeliveryResult = z.object({
  ok: z.boolean(),
  /** HTTP status or SMTP reply code, when the receiver answered. */
  status: z.number().int().nullable(),
  /** The receiver's answer (first 500 characters), or why there was none. */
  response: z.string().max(600),
  /** Worth trying again (5xx, 429, network); 4xx other than 408/429 is not. */
  retryable: z.boolean(),
  duration_ms: z.number().nonnegative(),
});
export type DeliveryResult = z.infer<typeof DeliveryResult>;

const NotifierCommandCommon = {
  command_id: z.string().min(1).max(128),
  actor: z.string().min(1).max(256),
  issued_at: z.number().int().nonnegative(),
};

/** Admin writes (edge → notifier command stream, field `c`). */
export const NotifierCommand = z.discriminatedUnion('type', [
  z.object({ type: z.literal('put_channel'), channel: ChannelConfig, ...NotifierCommandCommon }),
  z.object({ type: z.literal('delete_channel'), id: AlertId, ...NotifierCommandCommon }),
  z.object({ type: z.literal('test_channel'), id: AlertId, ...NotifierCommandCommon }),
  z.object({ type: z.literal('put_rule'), rule: AlertRule, ...NotifierCommandCommon }),
  z.object({ type: z.literal('delete_rule'), id: AlertId, ...NotifierCommandCommon }),
  z.object({ type: z.literal('put_silence'), silence: Silence, ...NotifierCommandCommon }),
  z.object({ type: z.literal('delete_silence'), id: AlertId, ...NotifierCommandCommon }),
]);
export type NotifierCommand = z.infer<typeof NotifierCommand>;

/**
 * The notifier's keys (`keys.notifier(NOTIFIER_KEY.x)`). The notifier alone writes them (fenced);
 * the edge reads the config hashes (id → JSON, secrets unmasked: mask before answering), the
 * channel status hash and the history list for /api/alerts/*.
 */
export const NOTIFIER_KEY = Object.freeze({
  channels: 'channels',
  rules: 'rules',
  silences: 'silences',
  /** Hash channel id → ChannelStatus JSON. */
  channelStatus: 'channel-status',
  /** List, newest first, capped: DeliveryRecord JSON. */
  history: 'history',
  /** Hash: offset and epoch the notifier has processed up to. */
  position: 'position',
  /** Hash alert key → AlertState JSON (each with its own due time). */
  alerts: 'alerts',
  /** Hash MCP name → JSON tags (as of the processed position). */
  mcps: 'mcps',
  /** Stream per channel: `queue:<channel id>`; hash per channel: `retry:<channel id>`. */
  queue: (channel: string) => `queue:${channel}`,
  retry: (channel: string) => `retry:${channel}`,
} as const);

/** How a channel has been doing (a failing one shows a badge on the dashboard). */
export const ChannelStatus = z.object({
  ok: z.boolean(),
  /** Failed attempts in a row (0 after a success). */
  consecutive_failures: z.number().int().nonnegative(),
  failing_since: z.string().nullable(),
  last_error: z.string().nullable(),
  last_ok_at: z.string().nullable(),
  last_attempt_at: z.string().nullable(),
  /** Notifications waiting in the channel's queue. */
  queued: z.number().int().nonnegative().default(0),
});
export type ChannelStatus = z.infer<typeof ChannelStatus>;

/** One line of the notification history (newest first on the dashboard). */
export const DeliveryRecord = z.object({
  at: z.string(),
  idempotency_key: z.string(),
  rule_id: z.string(),
  mcp_name: z.string(),
  kind: z.string(),
  state: z.string(),
  /** `channel` null for records that reached no channel (silenced, suppressed). */
  channel: z.string().nullable(),
  /**
   * `sent`; `retrying` (attempt failed, will retry); `failed` (given up / not retryable);
   * `silenced` (recorded, not sent); `suppressed` (recovered within `for`: a flap).
   */
  result: z.enum(['sent', 'retrying', 'failed', 'silenced', 'suppressed']),
  status: z.number().int().nullable().default(null),
  response: z.string().max(600).nullable().default(null),
  /** The silence that held it back. */
  silence_id: z.string().nullable().default(null),
});
export type DeliveryRecord = z.infer<typeof DeliveryRecord>;
