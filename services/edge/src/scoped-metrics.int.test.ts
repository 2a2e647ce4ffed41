// A token scoped to `billing_*` must not learn the size or state of the rest of the fleet: its
// system_metrics (live and on connect) and GET /api/metrics count only the MCPs it may see, and
// infrastructure figures (edges, connections, event rate) are zero. Unscoped tokens keep the
// registry's fleet-wide figures.
import type { SystemMetricsMessage } from '@beacon/protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { registration } from './bench/seed.js';
import { mintToken, record, startTestBed, type TestBed } from './test-support.js';

let bed: TestBed;

beforeAll(async () => {
  bed = await startTestBed('edge-scoped-metrics', 5);
  await bed.writer.log.append(registration('billing_eu'));
  await bed.writer.log.append(registration('billing_us'));
});
afterAll(async () => {
  await bed.stop();
});

const fleet: SystemMetricsMessage = {
  type: 'system_metrics',
  timestamp: '2026-12-02T12:00:00.000Z',
  metrics: {
    total_mcps: 7,
    healthy_mcps: 7,
    unhealthy_mcps: 0,
    disconnected_mcps: 0,
    inactive_mcps: 0,
    unknown_mcps: 0,
    open_circuits: 3,
    half_open_circuits: 0,
    auto_disabled_mcps: 0,
    edges: 4,
    connections: 1234,
    events_per_second: 55,
  },
};

it('scoped tokens get figures over their MCPs only; unscoped ones the fleet figures', async () => {
  const edge = await bed.edge();
  const scopedToken = await mintToken({ role: 'viewer', mcps: ['billing_*'] });
  const scoped = record(edge.ws, { token: scopedToken });
  const everything = record(edge.ws, { token: await mintToken({ role: 'viewer' }) });
  await scoped.waitFor((x) => x.of('initial_status').length === 1, 'scoped connected');
  await everything.waitFor((x) => x.of('initial_status').length === 1, 'unscoped connected');

  await bed.writer.log.publishSide(fleet);
  await everything.waitFor((x) => x.of('system_metrics').length === 1, 'fleet figures');
  await scoped.waitFor((x) => x.of('system_metrics').length === 1, 'scoped figures');
  expect(everything.of('system_metrics')[0]).toEqual(fleet);
  const mine = scoped.of('system_metrics')[0];
  expect(mine?.timestamp).toBe(fleet.timestamp);
  expect(mine?.metrics).toMatchObject({
    total_mcps: 2,
    open_circuits: 0,
    edges: 0,
    connections: 0,
    events_per_second: 0,
  });
  expect(scoped.of('system_metrics')).toHaveLength(1);

  // On connect, and over the API.
  const late = record(edge.ws, { token: scopedToken });
  await late.waitFor((x) => x.of('system_metrics').length === 1, 'greeting');
  expect(late.of('system_metrics')[0]).toEqual(mine);
  const api = await fetch(`${edge.http}/api/metrics`, {
    headers: { authorization: `Bearer ${scopedToken}` },
  });
  expect(api.status).toBe(200);
  expect(await api.json()).toEqual(mine);
  const full = await fetch(`${edge.http}/api/metrics`, {
    headers: { authorization: `Bearer ${await mintToken({ role: 'viewer' })}` },
  });
  expect(await full.json()).toEqual(fleet);
  for (const c of [scoped, everything, late]) c.close();
});
