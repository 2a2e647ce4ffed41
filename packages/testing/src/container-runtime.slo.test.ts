// Wall-clock budget for container-runtime detection (opt-in: `pnpm test:slo`): every integration
// test file pays it once at start-up.
import { describe, expect, it } from 'vitest';
import { containerRuntimeAvailable } from './container-runtime.js';

describe('startRedis', () => {
  it('detects the absence of a container runtime quickly', async () => {
    const t0 = Date.now();
    await containerRuntimeAvailable();
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});
