// Entry point of `pnpm --filter @beacon/notifier start`: one notifier process (active or standby).
import { runService } from '@beacon/runtime';
import { closeChannels, sampleNotification, send } from './channels/index.js';
import { NotifierConfig } from './config.js';
import { startNotifierWorker } from './worker.js';

await runService({
  name: 'notifier',
  config: NotifierConfig,
  id: (config) => config.BEACON_NOTIFIER_ID,
  async start({ config, logger, instanceId, redis, health }) {
    const worker = await startNotifierWorker(
      config,
      logger,
      { holder: instanceId, redis: (name) => redis(name), health },
      { send, sample: (c) => sampleNotification(c, new Date()) },
    );
    return {
      async stop() {
        await worker.stop();
        closeChannels();
      },
    };
  },
});
