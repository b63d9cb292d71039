import type { UhdSimulator } from '../../src/tools/uhd-simulator/uhd-simulator.js';
import { precacheEnv, startSimulator } from '../support/precache.js';
import { startTestApp, TEST_INTERNAL_TOKEN, type TestApp } from '../support/test-app.js';

/** ROLE=worker runs the queue worker with health and metrics, and serves nothing else. */
describe('ROLE=worker (end to end)', () => {
  let simulator: UhdSimulator;
  let setup: ReturnType<typeof precacheEnv>;
  let sut: TestApp;

  beforeAll(async () => {
    simulator = await startSimulator();
    setup = precacheEnv(simulator);
    sut = await startTestApp({ ...setup.env, ROLE: 'worker' });
  }, 30_000);

  afterAll(async () => {
    await sut?.close();
    await simulator?.close();
    await setup?.cleanUp();
  });

  it('is ready on Redis and the queue, without a database', async () => {
    const response = await fetch(`${sut.httpUrl}/health/ready`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { info: Record<string, { status: string }> };
    expect(Object.keys(body.info).sort()).toEqual(['queue', 'redis']);
  });

  it('serves metrics but not the API', async () => {
    expect((await fetch(`${sut.httpUrl}/metrics`)).status).toBe(200);
    const signIn = await fetch(`${sut.httpUrl}/v0/sign-ins`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_INTERNAL_TOKEN}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(signIn.status).toBe(404);
    expect((await fetch(`${sut.httpUrl}/admin/queues`)).status).toBe(404);
  });
});
