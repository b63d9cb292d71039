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
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * What must never happen (seed 000): the warm-up hurting sign-in, and an unhealthy upstream
 * being hammered. The upstream is made to hold every request, then to go down.
 */
// Jobs run through a real queue with backoffs; on a busy machine that takes more than jest's 5 s default.
jest.setTimeout(30_000);

describe('sign-in pre-cache resilience (integration)', () => {
  let simulator: UhdSimulator;
  let setup: ReturnType<typeof precacheEnv>;
  let sut: TestApp;
  const metric = (name: string, labels?: Record<string, string>) => metricValue(sut.httpUrl, name, labels);

  beforeAll(async () => {
    simulator = await startSimulator();
    setup = precacheEnv(simulator, {
      UHD_TIMEOUT_MS: '10000',
      UHD_BREAKER_MIN_REQUESTS: '6',
      UHD_BREAKER_WINDOW_MS: '10000',
      UHD_BREAKER_HALF_OPEN_AFTER_MS: '600000',
      PRECACHE_ATTEMPTS: '2',
    });
  }, 30_000);

  // Each test gets an app of its own: a circuit breaker's window must not hold another test's calls.
  beforeEach(async () => {
    sut = await startTestApp(setup.env);
    await setFeature(sut, PRECACHE_FLAG, { boolean: true });
  }, 30_000);

  afterEach(async () => {
    simulator.setFaults({});
    await sut?.close();
  });

  afterAll(async () => {
    await simulator?.close();
    await setup?.cleanUp();
  });

  it('answers sign-ins while the upstream holds every request it has been sent', async () => {
    simulator.setFaults({ hangResources: [...UHD_RESOURCES], hangMs: 2_000 });
    try {
      const first = testUser();
      expect((await signIn(sut, first)).status).toBe(201);
      expect(await eventually(() => simulator.snapshot().inFlight >= 6)).toBe(true);

      // Each sign-in is answered while the upstream still holds the earlier users' requests.
      for (let i = 0; i < 5; i++) {
        expect((await signIn(sut, testUser())).status).toBe(201);
        expect(simulator.snapshot().inFlight).toBeGreaterThanOrEqual(6);
      }
    } finally {
      simulator.setFaults({});
    }
  }, 15_000);

  it('opens the circuit when the upstream is down, then skips jobs fast without calling it; sign-ins still succeed', async () => {
    expect(await eventually(() => simulator.snapshot().inFlight === 0, 10_000)).toBe(true);
    simulator.setFaults({ down: true });
    const skippedOpen = await metric(M.precacheJobsSkippedTotal, { reason: 'circuit_open' });

    const first = testUser();
    expect((await signIn(sut, first)).status).toBe(201);
    expect(await eventually(async () => (await metric(M.uhdCircuitBreakerOpen)) === 1)).toBe(true);

    const upstreamCalls = simulator.snapshot().requests.total;
    const later = Array.from({ length: 5 }, () => testUser());
    for (const user of later) expect((await signIn(sut, user)).status).toBe(201);

    expect(
      await eventually(
        async () => (await metric(M.precacheJobsSkippedTotal, { reason: 'circuit_open' })) - skippedOpen >= 5,
      ),
    ).toBe(true);
    // Not one call reached the upstream (not even a refused connection) for the later users.
    expect(simulator.snapshot().requests.total).toBe(upstreamCalls);
    expect(await metric(M.uhdCircuitBreakerTransitionsTotal, { state: 'open' })).toBeGreaterThanOrEqual(1);
    expect(await metric(M.precacheJobsEnqueueFailedTotal)).toBe(0);
  }, 30_000);
});
