import { randomBytes } from 'node:crypto';
import { MetricNames as M } from '../../src/platform/metrics/metric-names.js';
import type { UhdSimulator } from '../../src/tools/uhd-simulator/uhd-simulator.js';
import { UHD_RESOURCES } from '../../src/uhd/uhd-resources.js';
import { eventually } from '../support/eventually.js';
import {
  metricValue,
  PRECACHE_FLAG,
  precacheEnv,
  setFeature,
  signIn,
  startSimulator,
  testUser,
} from '../support/precache.js';
import { buildIfNeeded, type ServiceProcess, startServiceProcess } from '../support/service-process.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * A worker process killed (SIGKILL) in the middle of a job: its lock lapses, another worker's
 * stalled check puts the job back on the queue, and that worker completes it.
 */
describe('precache worker killed mid-job (integration)', () => {
  let simulator: UhdSimulator;
  let setup: ReturnType<typeof precacheEnv>;
  let api: TestApp;
  const workers: ServiceProcess[] = [];

  beforeAll(async () => {
    buildIfNeeded();
    simulator = await startSimulator({ missLatencyMs: 10_000, missJitterMs: 0 });
    setup = precacheEnv(simulator, {
      REDIS_KEY_PREFIX: `tcrash${randomBytes(4).toString('hex')}:`,
      // Short locks and frequent stalled checks, so recovery takes seconds rather than a minute.
      PRECACHE_LOCK_DURATION_MS: '1500',
      PRECACHE_STALLED_INTERVAL_MS: '500',
      UHD_TIMEOUT_MS: '15000',
    });
    api = await startTestApp({ ...setup.env, ROLE: 'api' });
    await setFeature(api, PRECACHE_FLAG, { boolean: true });
  }, 180_000);

  afterAll(async () => {
    for (const worker of workers) await worker.stop('SIGKILL');
    await api?.close();
    await simulator?.close();
    await setup?.cleanUp();
  });

  it('recovers the stalled job on another worker, which completes it', async () => {
    const first = await startServiceProcess({ ...setup.env, ROLE: 'worker' });
    workers.push(first);
    const user = testUser();
    expect((await signIn(api, user)).status).toBe(201);
    // The first worker is now waiting on all six upstream requests.
    expect(await eventually(() => simulator.snapshot().inFlight === 6, 15_000)).toBe(true);

    await first.stop('SIGKILL');
    simulator.setLatency({ missLatencyMs: 20 });
    const second = await startServiceProcess({ ...setup.env, ROLE: 'worker' });
    workers.push(second);

    const completed = () => metricValue(second.httpUrl, M.precacheJobsTotal, { outcome: 'completed' });
    expect(await eventually(async () => (await completed()) === 1, 20_000)).toBe(true);
    expect(second.logs.some((line) => line.msg === 'stalled job moved back to wait')).toBe(true);
    const answered = simulator.requests().filter((r) => r.url.includes(`patientId=${user.icn}&`));
    expect(answered.map((r) => r.status)).toEqual(UHD_RESOURCES.map(() => 200));
    for (const resource of UHD_RESOURCES) expect(simulator.snapshot().requests.byResource[resource]).toBe(2);
  }, 60_000);
});
