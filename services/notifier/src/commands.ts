// Admin commands from the edge (`/api/alerts/*`): the notifier's command inbox (stream
// keys.notifierCommands, field `c`, the event log's inbox: group, pending redelivery, TTL
// answers, command_result). Writes go through the leader (fenced, applied in memory at once).
import {
  createCommandInbox,
  type EventLog,
  type InboxConsumer,
  type RedisClient,
} from '@beacon/event-log';
import {
  NotifierCommand,
  type ChannelConfig,
  type Keyspace,
  type Notification,
} from '@beacon/protocol';
import type { Logger } from '@beacon/runtime';
import { Refused, type Leader } from './leader.js';
import type { NotifierMetrics } from './metrics.js';
import { cronProblem } from './silences.js';

export const NOTIFIER_GROUP = 'notifier';

export function startCommands(o: {
  readonly redis: RedisClient;
  readonly blocking: RedisClient;
  readonly keys: Keyspace;
  readonly eventLog: EventLog;
  readonly leader: Leader;
  readonly consumer: string;
  readonly ttlMs: number;
  readonly sample: (c: ChannelConfig) => Notification;
  readonly metrics: NotifierMetrics;
  readonly logger: Logger;
}): InboxConsumer {
  const log = o.logger.child({ component: 'commands' });
  const inbox = createCommandInbox({
    redis: o.redis,
    blocking: o.blocking,
    eventLog: o.eventLog,
    stream: o.keys.notifierCommands,
    group: NOTIFIER_GROUP,
    schema: NotifierCommand,
    ttlMs: o.ttlMs,
  });
  return inbox.consume({
    consumer: o.consumer,
    onInvalid({ id, reason }) {
      log.warn({ id, reason }, 'invalid notifier command');
      o.metrics.commands.labels('unknown', 'invalid').inc();
      o.metrics.rejected.labels('commands').inc();
    },
    onExpired(c) {
      o.metrics.commands.labels(c.type, 'expired').inc();
    },
    onError(err) {
      log.warn({ err }, 'command loop error; retrying');
    },
    async handle(c) {
      await o.leader.loaded();
      try {
        let answer: Awaited<ReturnType<Parameters<typeof inbox.consume>[0]['handle']>> = {
          ok: true,
        };
        switch (c.type) {
          case 'put_channel':
            await o.leader.putChannel(c.channel);
            break;
          case 'delete_channel':
            await o.leader.deleteChannel(c.id);
            break;
          case 'test_channel':
            answer = { ok: true, delivery: await o.leader.testChannel(c.id, o.sample) };
            break;
          case 'put_rule':
            await o.leader.putRule(c.rule);
            break;
          case 'delete_rule':
            await o.leader.deleteRule(c.id);
            break;
          case 'put_silence': {
            const problem = c.silence.cron === undefined ? null : cronProblem(c.silence.cron);
            if (problem !== null)
              throw new Refused('invalid', `silence ${c.silence.id}: ${problem}`);
            await o.leader.putSilence(c.silence);
            break;
          }
          case 'delete_silence':
            await o.leader.deleteSilence(c.id);
            break;
        }
        o.metrics.commands.labels(c.type, 'ok').inc();
        log.info({ command_id: c.command_id, type: c.type, actor: c.actor }, 'command applied');
        return answer;
      } catch (err) {
        if (!(err instanceof Refused)) throw err;
        o.metrics.commands.labels(c.type, err.code).inc();
        return { ok: false, error: { code: err.code, message: err.message } };
      }
    },
  });
}
