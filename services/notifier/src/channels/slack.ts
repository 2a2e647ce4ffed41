// Slack incoming webhook: a Block Kit message (`text` is the fallback Slack shows in
// notifications and to clients without blocks). Layout: a header (plain_text, ≤150 characters),
// a section with the summary (mrkdwn, ≤3000), a section of mrkdwn fields (≤10 fields, ≤2000
// each): MCP, state, status, error, started, ended; and a context block with the idempotency key
// (and the dashboard link). Text from the notification is escaped (&, <, >) so it cannot turn
// into mentions or links. Slack answers 200 `ok`; errors are 4xx with a short text such as
// `invalid_payload` or `no_service` (not retried), 429 and 5xx (retried).
import type { DeliveryResult, Notification, SlackChannel } from '@beacon/protocol';
import type { z } from 'zod';
import { cut, KIND_LABEL, oneLine, safeLink, STATE_LABEL, titleOf } from './describe.js';
import { post } from './http.js';
import type { SendOptions } from './types.js';

export type SlackChannelConfig = z.output<typeof SlackChannel>;

interface TextObject {
  readonly type: 'plain_text' | 'mrkdwn';
  readonly text: string;
  readonly emoji?: boolean;
}
export type SlackBlock =
  | { readonly type: 'header'; readonly text: TextObject }
  | { readonly type: 'section'; readonly text?: TextObject; readonly fields?: TextObject[] }
  | { readonly type: 'context'; readonly elements: TextObject[] };
export interface SlackMessage {
  readonly text: string;
  readonly blocks: SlackBlock[];
}

/** Slack's three control characters in message text. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function mrkdwn(text: string, max: number): TextObject {
  return { type: 'mrkdwn', text: cut(text, max) };
}

/** Inline code without breaking out of the backticks. */
function code(text: string): string {
  return `\`${escapeSlack(oneLine(text).replace(/`/g, "'"))}\``;
}

export function slackMessage(n: Notification): SlackMessage {
  const title = titleOf(n);
  const fields: TextObject[] = [
    mrkdwn(`*MCP*\n${code(n.mcp_name)}`, 2000),
    mrkdwn(`*State*\n${STATE_LABEL[n.state]} (${KIND_LABEL[n.kind]})`, 2000),
    mrkdwn(`*Status*\n${n.status ?? 'n/a'}`, 2000),
    mrkdwn(`*Error*\n${n.error === null ? 'none' : escapeSlack(oneLine(n.error))}`, 2000),
    mrkdwn(`*Started*\n${escapeSlack(oneLine(n.started_at))}`, 2000),
  ];
  if (n.ended_at !== null)
    fields.push(mrkdwn(`*Ended*\n${escapeSlack(oneLine(n.ended_at))}`, 2000));
  if (n.tags.length > 0) {
    fields.push(mrkdwn(`*Tags*\n${n.tags.slice(0, 20).map(code).join(' ')}`, 2000));
  }
  const context = [`Idempotency key: ${code(n.idempotency_key)}`, `rule ${code(n.rule_id)}`];
  const link = safeLink(n.dashboard_url);
  if (link !== null) context.push(`<${link}|Open in Beacon>`);
  return {
    text: cut(`[Beacon] ${escapeSlack(title)}`, 3000),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: cut(title, 150), emoji: true } },
      { type: 'section', text: mrkdwn(escapeSlack(oneLine(n.summary) || title), 3000) },
      { type: 'section', fields },
      { type: 'context', elements: [mrkdwn(context.join(' · '), 2000)] },
    ],
  };
}

export function sendSlack(
  channel: SlackChannelConfig,
  notification: Notification,
  options?: SendOptions,
): Promise<DeliveryResult> {
  return post(
    {
      url: channel.webhook_url,
      body: JSON.stringify(slackMessage(notification)),
      headers: { 'content-type': 'application/json; charset=utf-8' },
      secrets: [],
    },
    options,
  );
}
