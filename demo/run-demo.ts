import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { credentials, loadPackageDefinition, type ServiceError } from '@grpc/grpc-js';
import SqliteDatabase from 'better-sqlite3';
import { Redis } from 'ioredis';
import { metric } from '../bench/lib/prometheus.js';
import { type ServiceProcess, spawnNode, startService, waitUntil } from '../bench/lib/service-process.js';
import { median } from '../bench/lib/stats.js';
import { flipperIdFor, isOpenFor } from '../src/feature-flags/flipper-gates.js';
import { SEEDED_CHANNELS, SEEDED_SIZES } from '../src/infrastructure/database/seed/replica-generator.js';
import { queueKeyPrefix } from '../src/infrastructure/queue/queue-keys.js';
import { MetricNames as M } from '../src/platform/metrics/metric-names.js';
import { customerConfigurationDefinition } from '../src/rules/rules.proto.js';
import { UHD_RESOURCES } from '../src/uhd/uhd-resources.js';
import { freePort } from '../test/support/ports.js';
import { deleteKeys } from '../test/support/test-app.js';

/**
 * `npm run demo`: the whole service doing its job in under two minutes on embedded defaults
 * (a seeded SQLite replica, the local Redis, the bundled UHD simulator). Two instances share
 * Redis and the replica. Everything it creates (keys under a demo prefix, a temporary SQLite
 * file, processes) is removed at the end. `--json` also prints the summary as one JSON line.
 */
const { values: args } = parseArgs({ options: { json: { type: 'boolean', default: false } } });

const FLAG = 'mhv_accelerated_delivery_labs';
const ADMIN = `demo-admin-${randomBytes(12).toString('hex')}`;
const INTERNAL = `demo-internal-${randomBytes(12).toString('hex')}`;
const REDIS_URL = 'redis://127.0.0.1:6379';
const started = Date.now();

const say = (text = '') => process.stdout.write(`${text}\n`);
const step = (title: string) => say(`\n▶ ${title}`);
const ms = (value: number) => (value < 10 ? `${value.toFixed(1)} ms` : `${Math.round(value)} ms`);
const pct = (value: number) => `${(100 * value).toFixed(1)}%`;

/** Shows a live counter for anything that may take longer than a second. */
async function withProgress<T>(label: string, work: Promise<T>, status?: () => Promise<string>): Promise<T> {
  const t0 = Date.now();
  let done = false;
  // On a terminal the line counts up in place; in a log (CI, a pipe) only the final line is written.
  const live = process.stdout.isTTY === true;
  const tick = async () => {
    while (!done && live) {
      await new Promise((r) => setTimeout(r, 500));
      if (done) break;
      const extra = status ? await status().catch(() => '') : '';
      process.stdout.write(`\r  … ${label} ${((Date.now() - t0) / 1000).toFixed(1)} s ${extra}   `);
    }
  };
  const ticker = tick();
  try {
    return await work;
  } finally {
    done = true;
    await ticker;
    if (Date.now() - t0 > 500)
      process.stdout.write(`\r  ✓ ${label} in ${((Date.now() - t0) / 1000).toFixed(1)} s${' '.repeat(30)}\n`);
  }
}

async function redisReachable(): Promise<boolean> {
  const probe = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1_000,
  });
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

type Unary = (req: object, cb: (e: ServiceError | null, r?: Record<string, unknown>) => void) => void;
function rulesClient(address: string) {
  const pkg = loadPackageDefinition(customerConfigurationDefinition()) as unknown as {
    customerconfiguration: {
      v1: {
        CustomerConfigurationService: new (
          a: string,
          c: unknown,
          o: object,
        ) => Record<string, Unary> & { close(): void };
      };
    };
  };
  const client = new pkg.customerconfiguration.v1.CustomerConfigurationService(
    address,
    credentials.createInsecure(),
    {
      'grpc.max_receive_message_length': -1,
    },
  );
  const call = (method: string, id: string) =>
    new Promise<{ ms: number; response?: Record<string, unknown>; code?: number }>((resolve) => {
      const t = performance.now();
      client[method].call(client, { enrollmentChannelId: id }, (error, response) =>
        resolve({ ms: performance.now() - t, response, code: error?.code }),
      );
    });
  return { call, close: () => client.close() };
}

const http = (base: string, token: string) => async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json().catch(() => ({}))) as Record<string, unknown>,
  };
};

interface DemoUser {
  userUuid: string;
  icn: string;
  email: string;
  clientId: string;
  vaTreatmentFacilityIds: string[];
}

function demoUsers(count: number): DemoUser[] {
  const clients = ['vaweb', 'mhv', 'myvahealth', 'ebenefits'];
  return Array.from({ length: count }, (_, i) => ({
    userUuid: `demo-${randomBytes(6).toString('hex')}-${i}`,
    icn: `${String(1_000_000_000 + i)}V${String(100_000 + i)}`,
    email: `veteran${i}.${randomBytes(3).toString('hex')}@example.com`,
    clientId: clients[i % clients.length],
    // One in ten is not a VA patient (facility outside the MHV ranges).
    vaTreatmentFacilityIds: i % 10 === 9 ? ['100'] : ['983'],
  }));
}

async function main() {
  say('Rules and precache service — demo');
  say('Embedded defaults: a seeded SQLite replica, the local Redis, the bundled UHD simulator.');
  const prefix = `demo${randomBytes(3).toString('hex')}:`;
  const sqliteFile = join(tmpdir(), `demo-rules-${randomBytes(3).toString('hex')}.sqlite`);
  const simulatorPort = await freePort();
  const common = {
    DATABASE_URL: `sqlite:${sqliteFile}`,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    FLIPPER_REDIS_KEY_PREFIX: `${prefix}flipper:`,
    REPLICATOR_STREAM: `${prefix}sync-events`,
    REPLICATOR_DEAD_LETTER_STREAM: `${prefix}sync-events:dead-letter`,
    ADMIN_API_TOKEN: ADMIN,
    INTERNAL_API_TOKEN: INTERNAL,
    FLIPPER_CACHE_TTL_MS: '0',
    LOG_LEVEL: 'warn',
  };
  const services: ServiceProcess[] = [];
  const redisUp = await redisReachable();
  const summary: Record<string, string | number | null> = {};

  try {
    if (!redisUp) {
      step('Redis is NOT reachable at 127.0.0.1:6379');
      say('  The cache, sign-ins, flags, the queue and the sync events all need Redis; start it with');
      say('  `redis-server` and run the demo again. What still works without it:');
      const env = { ...common, PORT: String(await freePort()), GRPC_PORT: String(await freePort()) };
      const alone = await withProgress('starting one instance (seeding SQLite)', startServiceDegraded(env));
      services.push(alone);
      const ready = await fetch(`${alone.httpUrl}/health/ready`);
      const health = (await ready.json()) as { error?: unknown };
      say(`  /health/ready → ${ready.status} (${JSON.stringify(health.error ?? {})})`);
      const client = rulesClient(alone.grpcAddress);
      for (const id of [SEEDED_CHANNELS.small, SEEDED_CHANNELS.large]) {
        const r = await client.call('GetCoverageRules', id);
        say(
          `  GetCoverageRules ${id}: ${r.code === undefined ? 'OK' : `code ${r.code}`} in ${ms(r.ms)} (read from the database; the cache fails open)`,
        );
      }
      client.close();
      summary.redis = 'unreachable';
      return;
    }

    step('Starting two instances: A (ROLE=all, with the bundled UHD simulator) and B (ROLE=api)');
    const a = await withProgress(
      'instance A (seeds the SQLite replica: 1,000 channels)',
      startService(
        {
          ...common,
          ROLE: 'all',
          PORT: String(await freePort()),
          GRPC_PORT: String(await freePort()),
          UHD_SIMULATOR_PORT: String(simulatorPort),
        },
        90_000,
      ),
    );
    services.push(a);
    const b = await withProgress(
      'instance B',
      startService({
        ...common,
        ROLE: 'api',
        PORT: String(await freePort()),
        GRPC_PORT: String(await freePort()),
        UHD_HOST: `http://127.0.0.1:${simulatorPort}`,
        UHD_APP_ID: 'local-app',
        UHD_APP_TOKEN: 'local-app-token',
        UHD_SUBJECT: 'local-subject',
        UHD_USER_TYPE: 'local-user-type',
        UHD_API_KEY: 'local-api-key',
      }),
    );
    services.push(b);
    const adminA = http(a.httpUrl, ADMIN);
    const internalA = http(a.httpUrl, INTERNAL);

    // ---- Sign-ins and the warm-up -------------------------------------------------------
    step('Rolling the warm-up out to 25% of users');
    await adminA('PUT', `/admin/features/${FLAG}`, { percentageOfActors: 25 });
    say(`  PUT /admin/features/${FLAG} {"percentageOfActors": 25}`);

    step('200 web sign-ins (180 veterans, 20 of them signing in twice; one in ten not a VA patient)');
    const users = demoUsers(180);
    const signIns = [...users, ...users.slice(0, 20)];
    const sessions = new Map<string, string>();
    const signInMs: number[] = [];
    let answered = 0;
    await withProgress(
      '200 sign-ins',
      (async () => {
        for (let i = 0; i < signIns.length; i += 20) {
          await Promise.all(
            signIns.slice(i, i + 20).map(async (user) => {
              const t = performance.now();
              const r = await internalA('POST', '/v0/sign-ins', user);
              signInMs.push(performance.now() - t);
              if (r.status === 201) {
                answered += 1;
                sessions.set(user.userUuid, String(r.body.sessionId));
              }
            }),
          );
        }
      })(),
    );
    const gates = { boolean: false, actors: new Set<string>(), percentageOfActors: 25 };
    const flagged = users.filter((u) => isOpenFor(FLAG, gates, flipperIdFor(u)));
    const enqueued = await metric(a.httpUrl, M.precacheJobsEnqueuedTotal);
    const skipped = Object.fromEntries(
      await Promise.all(
        ['flag_off', 'not_va_patient', 'mobile_client'].map(async (reason) => [
          reason,
          await metric(a.httpUrl, M.precacheJobsSkippedTotal, { reason }),
        ]),
      ),
    );
    const deduplicated = await metric(a.httpUrl, M.precacheJobsDeduplicatedTotal);
    say(`  answered: ${answered}/${signIns.length} with 201, sign-in median ${ms(median(signInMs))}`);
    say(
      `  warm-up jobs enqueued: ${enqueued}   deduplicated (a warmed user signing in again within 5 min): ${deduplicated}`,
    );
    say(
      `  skipped: flag off ${skipped.flag_off}, not a VA patient ${skipped.not_va_patient}, mobile ${skipped.mobile_client}`,
    );

    const finished = () =>
      Promise.all(
        ['completed', 'partial', 'failed', 'skipped'].map((outcome) =>
          metric(a.httpUrl, M.precacheJobsTotal, { outcome }),
        ),
      ).then((v) => v.reduce((x, y) => x + y, 0));
    await withProgress(
      `waiting for the ${enqueued} jobs to warm six resources each (upstream miss ≈ 2 s)`,
      (async () => {
        const deadline = Date.now() + 45_000;
        while ((await finished()) < enqueued && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 250));
      })(),
      async () => `(${await finished()}/${enqueued} done)`,
    );
    const completed = await metric(a.httpUrl, M.precacheJobsTotal, { outcome: 'completed' });
    const jobSuccess = enqueued > 0 ? completed / enqueued : 0;
    say(`  jobs completed: ${completed}/${enqueued} (${pct(jobSuccess)})`);

    // ---- Health-record reads ------------------------------------------------------------
    step('Health-record reads: users whose data was warmed vs users it was not');
    const patients = users.filter((u) => u.vaTreatmentFacilityIds[0] === '983');
    const warmUsers = patients.filter((u) => flagged.includes(u)).slice(0, 10);
    const coldUsers = patients.filter((u) => !flagged.includes(u)).slice(0, 10);
    const read = async (user: DemoUser) => {
      const t = performance.now();
      const response = await fetch(`${a.httpUrl}/v0/health-records/labs`, {
        headers: { authorization: `Bearer ${sessions.get(user.userUuid)}` },
      });
      await response.arrayBuffer();
      return { ms: performance.now() - t, ok: response.status === 200 };
    };
    const cold = await withProgress(
      '10 cold reads (the upstream queries its EHRs)',
      Promise.all(coldUsers.map(read)),
    );
    const warm = await withProgress('10 warmed reads', Promise.all(warmUsers.map(read)));
    const coldMedian = median(cold.map((r) => r.ms));
    const warmMedian = median(warm.map((r) => r.ms));
    say(
      `  GET /v0/health-records/labs   cold median ${ms(coldMedian)}   warmed median ${ms(warmMedian)}   → ${(coldMedian / warmMedian).toFixed(1)}× faster`,
    );

    // ---- Rules over gRPC ----------------------------------------------------------------
    step('Coverage and population membership rules over gRPC (instance A), cold then cached');
    say('  (latencies as a JavaScript client sees them, decoding included)');
    const clientA = rulesClient(a.grpcAddress);
    const clientB = rulesClient(b.grpcAddress);
    for (const [label, id] of [
      [`${SEEDED_SIZES.small} contracts`, SEEDED_CHANNELS.small],
      [`${SEEDED_SIZES.large.toLocaleString('en-US')} contracts`, SEEDED_CHANNELS.large],
    ] as const) {
      for (const method of ['GetCoverageRules', 'GetPopulationMembershipRules']) {
        const first = await clientA.call(method, id);
        const hits: number[] = [];
        for (let i = 0; i < 20; i++) hits.push((await clientA.call(method, id)).ms);
        say(
          `  ${method.padEnd(29)} ${id} (${label.padEnd(15)}) cold ${ms(first.ms).padStart(7)}   cached median ${ms(median(hits))}`,
        );
      }
    }
    const fromB = await clientB.call('GetCoverageRules', SEEDED_CHANNELS.large);
    say(`  instance B, same channel: ${ms(fromB.ms)} (L2: Redis, filled by A)`);

    // ---- A sync event ---------------------------------------------------------------------
    step('The replicator renames channel ec-0001; instance B serves the new name');
    const before = (await clientB.call('GetCoverageRules', SEEDED_CHANNELS.small)).response
      ?.enrollmentChannel as { name: string };
    const sqlite = new SqliteDatabase(sqliteFile);
    const newName = `Renamed by the replicator at ${new Date().toISOString().slice(11, 19)}`;
    sqlite.prepare('UPDATE enrollment_channel SET name = ? WHERE id = ?').run(newName, SEEDED_CHANNELS.small);
    sqlite.close();
    say(`  B before: "${before?.name}"   (cached)`);
    const redis = new Redis(REDIS_URL);
    const t0 = performance.now();
    await redis.xadd(
      common.REPLICATOR_STREAM,
      '*',
      'event',
      JSON.stringify({
        table: 'enrollment_channel',
        enrollmentChannelIds: [SEEDED_CHANNELS.small],
        syncedAt: new Date().toISOString(),
      }),
    );
    let after = '';
    while (performance.now() - t0 < 10_000) {
      after =
        (
          (await clientB.call('GetCoverageRules', SEEDED_CHANNELS.small)).response?.enrollmentChannel as
            | { name: string }
            | undefined
        )?.name ?? '';
      if (after === newName) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const freshness = performance.now() - t0;
    say(`  XADD ${common.REPLICATOR_STREAM} … → B after ${ms(freshness)}: "${after}"`);
    redis.disconnect();

    // ---- Admin flush ------------------------------------------------------------------------
    step('An operator flushes the coverage rules cache');
    const flush = await adminA('POST', '/admin/cache/flush', { kind: 'coverage_rules' });
    const reload = await clientA.call('GetCoverageRules', SEEDED_CHANNELS.large);
    say(
      `  POST /admin/cache/flush {"kind":"coverage_rules"} → ${flush.status} ${JSON.stringify(flush.body)}`,
    );
    say(`  next read of ${SEEDED_CHANNELS.large}: ${ms(reload.ms)} (reloaded once), then cached again`);
    clientA.close();
    clientB.close();

    // ---- Summary --------------------------------------------------------------------------
    const requests =
      (await metric(a.httpUrl, M.rulesCacheRequestsTotal)) +
      (await metric(b.httpUrl, M.rulesCacheRequestsTotal));
    const misses =
      (await metric(a.httpUrl, M.rulesCacheRequestsTotal, { result: 'miss' })) +
      (await metric(b.httpUrl, M.rulesCacheRequestsTotal, { result: 'miss' }));
    const errors =
      (await metric(a.httpUrl, M.rulesCacheRequestsTotal, { result: 'error' })) +
      (await metric(b.httpUrl, M.rulesCacheRequestsTotal, { result: 'error' }));
    const loads =
      (await metric(a.httpUrl, M.rulesDbLoadsTotal)) + (await metric(b.httpUrl, M.rulesDbLoadsTotal));
    Object.assign(summary, {
      redis: 'reachable',
      signIns: signIns.length,
      signInsAnswered: answered,
      jobsEnqueued: enqueued,
      jobsDeduplicated: deduplicated,
      skippedFlagOff: skipped.flag_off,
      skippedNotVaPatient: skipped.not_va_patient,
      cacheHitRate: Number(((requests - misses - errors) / requests).toFixed(4)),
      databaseQueryReduction: Number((1 - loads / requests).toFixed(4)),
      precacheJobSuccessRate: Number(jobSuccess.toFixed(4)),
      pageLoadSpeedup: Number((coldMedian / warmMedian).toFixed(1)),
      syncEventToFreshReadMs: Math.round(freshness),
    });
    step('Summary: the seeds’ KPIs, as measured in this run');
    const rows: Array<[string, string, string]> = [
      ['rules cache hit rate', pct(summary.cacheHitRate as number), '> 80% (seed 001)'],
      ['database query reduction', pct(summary.databaseQueryReduction as number), '≥ 80% (seed 001)'],
      ['precache job success rate', pct(jobSuccess), '> 95% (seed 000)'],
      [
        'health page load, warmed vs cold',
        `${summary.pageLoadSpeedup}× faster (${ms(warmMedian)} vs ${ms(coldMedian)})`,
        'near-instant (seed 000)',
      ],
      ['sync event → fresh read on B', ms(freshness), '< 1 s'],
    ];
    const width = Math.max(...rows.map((r) => r[0].length));
    say(`  ${'KPI'.padEnd(width)}  ${'measured'.padEnd(36)}  target`);
    for (const [kpi, value, target] of rows) say(`  ${kpi.padEnd(width)}  ${value.padEnd(36)}  ${target}`);
    say(
      `  (${requests} rules requests, ${loads} database loads; ${UHD_RESOURCES.length} resources warmed per job)`,
    );
  } finally {
    await Promise.all(services.map((s) => s.stop()));
    if (redisUp) await deleteKeys(REDIS_URL, [`${prefix}*`, `${queueKeyPrefix(prefix)}*`]);
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${sqliteFile}${suffix}`, { force: true });
    summary.seconds = Math.round((Date.now() - started) / 1000);
    say(`\nDone in ${summary.seconds} s; everything the demo started is stopped and its keys are removed.`);
    if (args.json) say(`DEMO_SUMMARY ${JSON.stringify(summary)}`);
  }
}

/** A Redis-less start: the service runs degraded, so wait for liveness, not readiness. */
async function startServiceDegraded(env: Record<string, string>): Promise<ServiceProcess> {
  const { child, stop, logs, stderr } = spawnNode('dist/src/main.js', env);
  const httpUrl = `http://127.0.0.1:${env.PORT}`;
  await waitUntil(
    'service',
    async () => (await fetch(`${httpUrl}/health/live`)).status === 200,
    child,
    stderr,
    90_000,
  );
  return { httpUrl, grpcAddress: `127.0.0.1:${env.GRPC_PORT}`, child, logs, stop };
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
