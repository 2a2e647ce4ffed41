// The whole probe path against a real registry and MCP server (probes-scenario.ts): a failing MCP
// opens, half-opens on time, closes on a good probe. Its budgets are in probes.slo.test.ts.
import { uniquePrefix } from '@beacon/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { probePath, startProbeBed, type ProbeBed } from './probes-scenario.js';

describe('probe results from the real registry', () => {
  let bed: ProbeBed;

  beforeAll(async () => {
    bed = await startProbeBed(uniquePrefix('brk-probe'));
  });

  afterAll(async () => {
    await bed?.stop();
  });

  it('a failing MCP opens, half-opens at its due time, closes on a good probe', async () => {
    await probePath(bed);
  });
});
