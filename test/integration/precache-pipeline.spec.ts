import { flipperBucket } from '../../src/feature-flags/flipper-gates.js';
import { MetricNames as M } from '../../src/platform/metrics/metric-names.js';
import type { ReceivedRequest, UhdSimulator } from '../../src/tools/uhd-simulator/uhd-simulator.js';
import { uhdEndDate } from '../../src/uhd/uhd-request.js';
import { UHD_RESOURCES } from '../../src/uhd/uhd-resources.js';
import { eventually } from '../support/eventually.js';
import {
  metricValue,
  PRECACHE_FLAG,
  precacheEnv,
  setFeature,
  signIn,
  startSimulator,
  TEST_UHD,
  type TestUser,
  testUser,
} from '../support/precache.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A user whose Flipper bucket puts them inside (or outside) a 50% rollout. */
function userWithFlag(on: boolean, overrides: Partial<TestUser> = {}): TestUser {
  for (;;) {
    const user = testUser(overrides);
    if (flipperBucket(PRECACHE_FLAG, user.email!.toLowerCase()) < 50_000 === on) return user;
  }
}

/**
 * The pipeline for real: the service booted on Redis with its BullMQ worker, the UHD simulator
 * on a real port, sign-ins over HTTP, and what reaches the upstream checked request by request.
 */
// Jobs run through a real queue with backoffs; on a busy machine that takes more than jest's 5 s default.
jest.setTimeout(30_000);

describe('sign-in pre-cache pipeline (integration)', () => {
  let simulator: UhdSimulator;
  let setup: ReturnType<typeof precacheEnv>;
  let sut: TestApp;
  const metric = (name: string, labels?: Record<string, string>) => metricValue(sut.httpUrl, name, labels);
  const requestsFor = (user: TestUser): ReceivedRequest[] =>
    simulator.requests().filter((r) => r.url.includes(`patientId=${user.icn}&`));
  const resourceOf = (r: ReceivedRequest) => /^\/v1\/medicalrecords\/(\w+)\?/.exec(r.url)?.[1];
  const jobsEnded = async () =>
    (await metric(M.precacheJobsTotal)) +
    (await metric(`${M.precacheJobDurationSeconds}_count`, { outcome: 'retrying' }));

  beforeAll(async () => {
    simulator = await startSimulator();
    setup = precacheEnv(simulator);
    sut = await startTestApp(setup.env);
    await setFeature(sut, PRECACHE_FLAG, { percentageOfActors: 50 });
  }, 30_000);

  afterAll(async () => {
    await sut?.close();
    await simulator?.close();
    await setup?.cleanUp();
  });

  afterEach(() => simulator.setFaults({}));

  it('sends six upstream requests for one sign-in, with exactly the DESIGN.md paths, query strings and headers', async () => {
    const user = userWithFlag(true);
    const response = await signIn(sut, user);
    expect(response.status).toBe(201);
    expect(response.body.sessionId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(String(response.body.expiresAt)) - Date.now()).toBeGreaterThan(29 * 60_000);

    expect(await eventually(() => requestsFor(user).filter((r) => r.status === 200).length === 6)).toBe(true);
    const requests = requestsFor(user);
    const today = uhdEndDate();
    expect(requests.map((r) => `${r.method} ${r.url}`).sort()).toEqual(
      [
        `GET /v1/medicalrecords/allergies?patientId=${user.icn}&startDate=1900-01-01&endDate=${today}`,
        `GET /v1/medicalrecords/conditions?patientId=${user.icn}&startDate=1900-01-01&endDate=${today}`,
        `GET /v1/medicalrecords/labs?patientId=${user.icn}&startDate=1900-01-01&endDate=${today}`,
        `GET /v1/medicalrecords/medications?patientId=${user.icn}&startDate=1900-01-01&endDate=${today}`,
        `GET /v1/medicalrecords/notes?patientId=${user.icn}&startDate=1900-01-01&endDate=${today}&includeBinary=false`,
        `GET /v1/medicalrecords/vitals?patientId=${user.icn}&startDate=1900-01-01&endDate=${today}`,
      ].sort(),
    );
    const tokens = new Set(requests.map((r) => r.headers.authorization));
    expect(tokens.size).toBe(1);
    expect([...tokens][0]).toMatch(/^Bearer \S+$/);
    for (const request of requests) {
      expect(request.headers['x-api-key']).toBe(TEST_UHD.apiKey);
      expect(request.headers['x-mhv-client-application']).toBe('VAGOV');
      expect(request.headers['x-request-id']).toMatch(UUID);
    }
    expect(new Set(requests.map((r) => r.headers['x-request-id'])).size).toBe(6);

    const logins = simulator.requests().filter((r) => r.url === '/mhvapi/security/v1/login');
    expect(logins.length).toBeGreaterThanOrEqual(1);
    for (const login of logins) {
      expect(login.method).toBe('POST');
      expect(login.headers['x-api-key']).toBe(TEST_UHD.apiKey);
      expect(login.headers['content-type']).toBe('application/json');
      expect(login.body).toEqual({
        appId: TEST_UHD.appId,
        appToken: TEST_UHD.appToken,
        subject: TEST_UHD.subject,
        userType: TEST_UHD.userType,
      });
    }
  });

  it('makes one job and six upstream requests of ten sign-ins by the same user within five minutes', async () => {
    const user = userWithFlag(true);
    const enqueued = await metric(M.precacheJobsEnqueuedTotal);
    const deduplicated = await metric(M.precacheJobsDeduplicatedTotal);
    const ended = await jobsEnded();

    for (let i = 0; i < 10; i++) expect((await signIn(sut, user)).status).toBe(201);

    expect(
      await eventually(async () => (await metric(M.precacheJobsDeduplicatedTotal)) - deduplicated === 9),
    ).toBe(true);
    expect(await eventually(async () => (await jobsEnded()) - ended >= 1)).toBe(true);
    expect((await metric(M.precacheJobsEnqueuedTotal)) - enqueued).toBe(1);
    expect(requestsFor(user)).toHaveLength(6);
    expect(new Set(requestsFor(user).map(resourceOf))).toEqual(new Set(UHD_RESOURCES));
  });

  it('warms nothing for a mobile, a non-patient or a flag-off sign-in, and counts each skip by reason', async () => {
    const users = {
      mobile_client: userWithFlag(true, { clientId: 'vamobile' }),
      not_va_patient: userWithFlag(true, { vaTreatmentFacilityIds: ['100', '759'] }),
      flag_off: userWithFlag(false),
    };
    const skipped = async (reason: string) => metric(M.precacheJobsSkippedTotal, { reason });
    const before = Object.fromEntries(
      await Promise.all(Object.keys(users).map(async (reason) => [reason, await skipped(reason)])),
    );
    const enqueued = await metric(M.precacheJobsEnqueuedTotal);

    for (const user of Object.values(users)) expect((await signIn(sut, user)).status).toBe(201);

    for (const reason of Object.keys(users))
      expect(await eventually(async () => (await skipped(reason)) - before[reason] === 1)).toBe(true);
    expect((await metric(M.precacheJobsEnqueuedTotal)) - enqueued).toBe(0);
    for (const user of Object.values(users)) expect(requestsFor(user)).toHaveLength(0);
  });

  it('warms the other five when one resource answers 500, and the retry fetches only the failed one', async () => {
    simulator.setFaults({ failResources: ['labs'], failTimes: 1, errorStatus: 500 });
    const user = userWithFlag(true);
    const completed = await metric(M.precacheJobsTotal, { outcome: 'completed' });

    await signIn(sut, user);

    expect(
      await eventually(async () => (await metric(M.precacheJobsTotal, { outcome: 'completed' })) > completed),
    ).toBe(true);
    const requests = requestsFor(user);
    const labs = requests.filter((r) => resourceOf(r) === 'labs');
    expect(labs.map((r) => r.status)).toEqual([500, 200]);
    for (const resource of UHD_RESOURCES.filter((r) => r !== 'labs'))
      expect(requests.filter((r) => resourceOf(r) === resource).map((r) => r.status)).toEqual([200]);
  });

  it('ends as partial after its attempts when one resource keeps failing, having fetched the others once', async () => {
    simulator.setFaults({ failResources: ['notes'], errorStatus: 503 });
    const user = userWithFlag(true);
    const partial = await metric(M.precacheJobsTotal, { outcome: 'partial' });

    await signIn(sut, user);

    expect(
      await eventually(async () => (await metric(M.precacheJobsTotal, { outcome: 'partial' })) > partial),
    ).toBe(true);
    const requests = requestsFor(user);
    expect(requests.filter((r) => resourceOf(r) === 'notes').map((r) => r.status)).toEqual([503, 503, 503]);
    expect(requests.filter((r) => resourceOf(r) !== 'notes')).toHaveLength(5);
    expect(
      await metric(M.precacheResourceRequestsTotal, { resource: 'notes', outcome: 'server_error' }),
    ).toBeGreaterThanOrEqual(3);
  });

  it('serves a health-record read with the same request as the job, from the warmed cache, labelled warmed', async () => {
    const user = userWithFlag(true);
    const completed = await metric(M.precacheJobsTotal, { outcome: 'completed' });
    const { body } = await signIn(sut, user);
    expect(
      await eventually(async () => (await metric(M.precacheJobsTotal, { outcome: 'completed' })) > completed),
    ).toBe(true);

    const warmedReads = await metric(`${M.healthRecordRequestDurationSeconds}_count`, {
      resource: 'vitals',
      warmed: 'true',
    });
    const read = await fetchRecords(body.sessionId, 'vitals');
    expect(read.status).toBe(200);
    expect(read.body.resource).toBe('vitals');
    expect(read.body.count).toBeGreaterThan(0);

    const vitals = requestsFor(user).filter((r) => resourceOf(r) === 'vitals');
    expect(vitals).toHaveLength(2);
    expect(vitals[1].url).toBe(vitals[0].url);
    expect(vitals.map((r) => r.cache)).toEqual(['miss', 'hit']);
    expect(
      await metric(`${M.healthRecordRequestDurationSeconds}_count`, { resource: 'vitals', warmed: 'true' }),
    ).toBe(warmedReads + 1);
  });

  it('labels a read not warmed when no precache ran for the user', async () => {
    const user = userWithFlag(false);
    const { body } = await signIn(sut, user);
    const before = await metric(`${M.healthRecordRequestDurationSeconds}_count`, {
      resource: 'labs',
      warmed: 'false',
    });

    expect((await fetchRecords(body.sessionId, 'labs')).status).toBe(200);

    expect(requestsFor(user).map((r) => r.cache)).toEqual(['miss']);
    expect(
      await metric(`${M.healthRecordRequestDurationSeconds}_count`, { resource: 'labs', warmed: 'false' }),
    ).toBe(before + 1);
  });

  it('logs job start, completion and resource failures with the user uuid, and never an ICN, email or record content', async () => {
    const lines = sut.logs.map((line) => JSON.stringify(line));
    const icns = simulator
      .requests()
      .map((r) => /patientId=([^&]+)/.exec(r.url)?.[1])
      .filter((icn): icn is string => icn !== undefined);
    expect(icns.length).toBeGreaterThan(0);
    for (const icn of new Set(icns)) expect(lines.filter((l) => l.includes(icn))).toEqual([]);
    for (const forbidden of [
      '@example.com',
      'DiagnosticReport',
      'MedicationRequest',
      'valueQuantity',
      'patientId',
    ])
      expect(lines.filter((l) => l.includes(forbidden))).toEqual([]);

    const started = sut.logs.filter((l) => l.msg === 'precache job started');
    const completed = sut.logs.filter((l) => l.msg === 'precache job completed');
    const failed = sut.logs.filter((l) => l.msg === 'precache resource failed');
    expect(started.length).toBeGreaterThan(0);
    expect(failed.length).toBeGreaterThan(0);
    expect(completed[0]).toEqual(
      expect.objectContaining({
        userUuid: expect.stringMatching(/^[0-9a-f]{32}$/),
        succeeded: expect.any(Number),
        failed: expect.any(Number),
        durationMs: expect.any(Number),
      }),
    );
    expect(failed[0]).toEqual(
      expect.objectContaining({ userUuid: expect.any(String), resource: expect.any(String) }),
    );
  });

  async function fetchRecords(sessionId: unknown, resource: string) {
    const response = await fetch(`${sut.httpUrl}/v0/health-records/${resource}`, {
      headers: { authorization: `Bearer ${String(sessionId)}` },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }
});
