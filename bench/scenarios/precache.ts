import { readFileSync } from 'node:fs';
import { queueKeyPrefix } from '../../src/infrastructure/queue/queue-keys.js';
import { MetricNames as M } from '../../src/platform/metrics/metric-names.js';
import { serviceEnv, tempSqlite } from '../lib/bench-env.js';
import { runClient } from '../lib/child-json.js';
import { failedCalls, type LoadResult } from '../lib/load-result.js';
import { metric } from '../lib/prometheus.js';
import { deleteByPrefix, watchRedisMemory } from '../lib/redis-memory.js';
import { table } from '../lib/report.js';
import { type ServiceProcess, startService } from '../lib/service-process.js';
import { median, ms, percentile, rate, summarize } from '../lib/stats.js';
import { saveChartData } from '../lib/timelines.js';
import { type SimulatorProcess, startSimulatorProcess } from '../lib/uhd-simulator-process.js';

const ADMIN = 'bench-admin-token-0123456789';
const INTERNAL = 'bench-internal-token-0123456789';
const API_KEY = 'bench-uhd-api-key';
const FLAG = 'mhv_accelerated_delivery_labs';

const log = (line: string) => process.stderr.write(`  precache: ${line}\n`);
const sleep = (msec: number) => new Promise((r) => setTimeout(r, msec));

const spread = (runs: Array<{ p50: number }>) =>
  Math.max(...runs.map((r) => r.p50)) - Math.min(...runs.map((r) => r.p50));

/** "0", or the count with each kind: "4 (HTTP 503 ×4)". */
function describeErrors(all: Array<Record<string, number>>): string {
  const merged: Record<string, number> = {};
  for (const errors of all)
    for (const [kind, n] of Object.entries(errors)) merged[kind] = (merged[kind] ?? 0) + n;
  const total = Object.values(merged).reduce((a, b) => a + b, 0);
  if (total === 0) return '0';
  return `${total} (${Object.entries(merged)
    .map(([kind, n]) => `${kind} ×${n}`)
    .join(', ')})`;
}

/** The service on the simulator, with a key prefix (and Flipper prefix) of its own. */
async function precacheService(
  simulator: SimulatorProcess,
  extra: Record<string, string>,
  options: { flagOn: boolean; keepLogLine?: (line: Record<string, unknown>) => boolean },
) {
  const sqlite = tempSqlite('precache');
  const env = await serviceEnv({
    UHD_HOST: simulator.url,
    UHD_APP_ID: 'bench',
    UHD_APP_TOKEN: 'bench-token',
    UHD_SUBJECT: 'bench',
    UHD_USER_TYPE: 'bench',
    UHD_API_KEY: API_KEY,
    ADMIN_API_TOKEN: ADMIN,
    INTERNAL_API_TOKEN: INTERNAL,
    DATABASE_URL: sqlite.url,
    DATABASE_SEED_WHEN_EMPTY: 'false',
    PRECACHE_QUEUE_SAMPLE_INTERVAL_MS: '1000',
    ...extra,
  });
  env.FLIPPER_REDIS_KEY_PREFIX = `${env.REDIS_KEY_PREFIX}flags:`;
  const service = await startService(env, { keepLogLine: options.keepLogLine });
  if (options.flagOn) {
    const response = await fetch(`${service.httpUrl}/admin/features/${FLAG}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ boolean: true }),
    });
    if (response.status !== 200) throw new Error(`could not set the flag: ${response.status}`);
  }
  return {
    service,
    env,
    async stop() {
      await service.stop();
      await deleteByPrefix([`${env.REDIS_KEY_PREFIX}*`, `${queueKeyPrefix(env.REDIS_KEY_PREFIX)}*`]);
      sqlite.remove();
    },
  };
}

async function finishedJobs(url: string): Promise<number> {
  return metric(url, M.precacheJobsTotal);
}

async function waitFor(probe: () => Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** CPU seconds a process has used so far (Linux /proc). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

// ---------------------------------------------------------------------------------------------

const SIGN_IN_RATE = 200;

function signInTable(title: string, overhead: Awaited<ReturnType<typeof signInOverhead>>): string[] {
  return [
    `${title}: ${overhead.jobsRun} jobs ran during the "on" runs; run-to-run spread of the p50 ${ms(spread(overhead.runs.off))} ms off, ${ms(spread(overhead.runs.on))} ms on.`,
    '',
    table(
      ['precache', 'p50 ms (runs)', 'p99 ms (runs)', 'errors'],
      (['off', 'on'] as const).map((mode) => [
        mode,
        overhead.runs[mode].map((r) => ms(r.p50)).join(', '),
        overhead.runs[mode].map((r) => ms(r.p99)).join(', '),
        describeErrors(overhead.runs[mode].map((r) => r.errors)),
      ]),
    ),
  ];
}
const SIGN_IN_SECONDS = 10;

/**
 * Where the jobs run while sign-ins are measured: in their own `ROLE=worker` process beside a
 * `ROLE=api` one (how production runs), or in the same process (`ROLE=all`, the default).
 */
type Layout = 'split' | 'all';

/** Sign-in latency, flag off vs on, same instance settings, alternating runs. */
export async function signInOverhead(simulator: SimulatorProcess, layout: Layout) {
  const runs: Record<'off' | 'on', Array<{ p50: number; p99: number; errors: Record<string, number> }>> = {
    off: [],
    on: [],
  };
  let jobsRun = 0;
  for (let round = 1; round <= 3; round++) {
    for (const mode of ['off', 'on'] as const) {
      log(
        `sign-in latency, ${layout === 'all' ? 'ROLE=all' : 'api + worker'}, precache ${mode}, round ${round} ...`,
      );
      const settings = { PRECACHE_CONCURRENCY: '100', PRECACHE_MAX_JOBS_PER_SECOND: '200' };
      const run = await precacheService(
        simulator,
        { ...settings, ROLE: layout === 'all' ? 'all' : 'api' },
        { flagOn: mode === 'on' },
      );
      let worker: ServiceProcess | undefined;
      try {
        if (layout === 'split')
          worker = await startService({
            ...run.env,
            ROLE: 'worker',
            PORT: String((await serviceEnv()).PORT),
          });
        const result = await runClient<LoadResult>('sign-in-load', {
          url: run.service.httpUrl,
          token: INTERNAL,
          mode: 'rate',
          rate: SIGN_IN_RATE,
          seconds: SIGN_IN_SECONDS,
          warmup: 2,
        });
        const summary = summarize(result.latencies, failedCalls(result), result.seconds);
        runs[mode].push({ p50: summary.p50, p99: summary.p99, errors: result.errors });
        if (mode === 'on') jobsRun += await finishedJobs((worker ?? run.service).httpUrl);
      } finally {
        await worker?.stop();
        await run.stop();
      }
    }
  }
  const p50 = { off: median(runs.off.map((r) => r.p50)), on: median(runs.on.map((r) => r.p50)) };
  const p99 = { off: median(runs.off.map((r) => r.p99)), on: median(runs.on.map((r) => r.p99)) };
  return { p50, p99, runs, jobsRun };
}

/** Each job's duration against its slowest resource, from the service's own log lines. */
export async function jobVsSlowestResource(simulator: SimulatorProcess) {
  log('job duration vs slowest resource ...');
  const jobs = 300;
  const run = await precacheService(
    simulator,
    { LOG_LEVEL: 'info', PRECACHE_CONCURRENCY: '100', PRECACHE_MAX_JOBS_PER_SECOND: '100' },
    { flagOn: true, keepLogLine: (line) => line.msg === 'precache job completed' },
  );
  try {
    await runClient<LoadResult>('sign-in-load', {
      url: run.service.httpUrl,
      token: INTERNAL,
      mode: 'burst',
      count: jobs,
      concurrency: 8,
    });
    await waitFor(async () => run.service.logs.length >= jobs, 120_000, 'precache jobs');
    const lines = run.service.logs.filter((l) => l.outcome === 'completed');
    const ratios = lines.map((l) => Number(l.durationMs) / Math.max(1, Number(l.slowestResourceMs)));
    const overheads = lines.map((l) => Number(l.durationMs) - Number(l.slowestResourceMs));
    const sorted = [...ratios].sort((a, b) => a - b);
    return {
      jobs: lines.length,
      medianRatio: median(ratios),
      p95Ratio: percentile(sorted, 95),
      maxRatio: sorted.at(-1) ?? Number.NaN,
      medianOverheadMs: median(overheads),
      medianDurationMs: median(lines.map((l) => Number(l.durationMs))),
    };
  } finally {
    await run.stop();
  }
}

/** One worker instance draining a pre-filled queue against a 200 ms upstream. */
export async function workerThroughput(simulator: SimulatorProcess, concurrency: number, jobs: number) {
  log(`worker throughput, concurrency ${concurrency}, ${jobs} jobs ...`);
  const api = await precacheService(simulator, { ROLE: 'api' }, { flagOn: true });
  let worker: ServiceProcess | undefined;
  try {
    await runClient<LoadResult>('sign-in-load', {
      url: api.service.httpUrl,
      token: INTERNAL,
      mode: 'burst',
      count: jobs,
      concurrency: 32,
    });
    await waitFor(
      async () => (await metric(api.service.httpUrl, M.precacheJobsEnqueuedTotal)) >= jobs,
      60_000,
      'the queue to fill',
    );
    await simulator.reset();

    const started = performance.now();
    worker = await startService({
      ...api.env,
      ROLE: 'worker',
      PORT: String((await serviceEnv()).PORT),
      PRECACHE_CONCURRENCY: String(concurrency),
      PRECACHE_MAX_JOBS_PER_SECOND: '100000',
      UHD_MAX_CONNECTIONS: String(concurrency * 6),
    });
    const samples: Array<{ t: number; done: number; cpu: number }> = [];
    const pid = worker.child.pid!;
    for (;;) {
      const done = await finishedJobs(worker.httpUrl);
      samples.push({ t: performance.now(), done, cpu: cpuSeconds(pid) });
      if (done >= jobs) break;
      if (performance.now() - started > 180_000) throw new Error('worker did not drain the queue');
      await sleep(250);
    }
    const at = (fraction: number) => samples.find((s) => s.done >= jobs * fraction)!;
    const [from, to] = [at(0.1), at(0.9)];
    const seconds = (to.t - from.t) / 1000;
    const stats = await simulator.stats();
    const upstream = Object.values(stats.requests.byResource).reduce((a, b) => a + b, 0);
    return {
      concurrency,
      jobs,
      steadyJobsPerSecond: (to.done - from.done) / seconds,
      steadyUpstreamPerSecond: ((to.done - from.done) * 6) / seconds,
      drainSeconds: (samples.at(-1)!.t - started) / 1000,
      workerCores: (to.cpu - from.cpu) / seconds,
      upstreamRequests: upstream,
      completed: await metric(worker.httpUrl, M.precacheJobsTotal, { outcome: 'completed' }),
    };
  } finally {
    await worker?.stop();
    await api.stop();
  }
}

/** Health-record reads on simulator defaults (2 s miss, 50 ms hit): warmed web users vs mobile users. */
export async function coldVsWarmedReads(simulator: SimulatorProcess) {
  log('health-record reads, cold vs warmed ...');
  const run = await precacheService(simulator, {}, { flagOn: true });
  try {
    const result = await runClient<{ warm: number[]; cold: number[]; errors: number }>('precache-reads', {
      url: run.service.httpUrl,
      token: INTERNAL,
      users: 30,
      resource: 'labs',
      concurrency: 10,
    });
    saveChartData('health-record-reads', { cold: result.cold, warm: result.warm });
    return {
      warm: summarize(result.warm, 0, 1),
      cold: summarize(result.cold, 0, 1),
      errors: result.errors,
      warmedLabel: await metric(run.service.httpUrl, `${M.healthRecordRequestDurationSeconds}_count`, {
        warmed: 'true',
      }),
    };
  } finally {
    await run.stop();
  }
}

/** 10,000 sign-ins at once: drain time, Redis memory, and the upstream rate against the limit. */
export async function burst(simulator: SimulatorProcess, limit: number) {
  log(`burst of 10,000 sign-ins, limit ${limit} jobs/s ...`);
  const count = 10_000;
  const run = await precacheService(
    simulator,
    { PRECACHE_CONCURRENCY: '100', PRECACHE_MAX_JOBS_PER_SECOND: String(limit) },
    { flagOn: true },
  );
  const memory = watchRedisMemory();
  try {
    await simulator.reset();
    await memory.start();
    const started = performance.now();
    const signIns = await runClient<LoadResult>('sign-in-load', {
      url: run.service.httpUrl,
      token: INTERNAL,
      mode: 'burst',
      count,
      concurrency: 32,
    });
    const signInSeconds = (performance.now() - started) / 1000;
    let peakWaiting = 0;
    await waitFor(
      async () => {
        peakWaiting = Math.max(
          peakWaiting,
          await metric(run.service.httpUrl, M.precacheQueueJobs, { state: 'waiting' }),
        );
        return (await finishedJobs(run.service.httpUrl)) >= count;
      },
      300_000,
      'the burst to drain',
    );
    const drainSeconds = (performance.now() - started) / 1000;
    const { baselineBytes, peakBytes } = await memory.stop();
    const stats = await simulator.stats();
    return {
      count,
      limit,
      signIns: summarize(signIns.latencies, failedCalls(signIns), signIns.seconds),
      signInSeconds,
      drainSeconds,
      peakWaiting,
      redisPeakMiB: peakBytes / 2 ** 20,
      redisGrowthMiB: (peakBytes - baselineBytes) / 2 ** 20,
      upstreamRequests: Object.values(stats.requests.byResource).reduce((a, b) => a + b, 0),
      maxUpstreamInAnySecond: stats.maxResourceRequestsInAnySecond,
      completed: await metric(run.service.httpUrl, M.precacheJobsTotal, { outcome: 'completed' }),
    };
  } finally {
    await memory.stop().catch(() => undefined);
    await run.stop();
  }
}

// ---------------------------------------------------------------------------------------------

/** Issue 5's benchmark: the sign-in pre-cache pipeline against the UHD simulator. */
export async function precacheScenario(): Promise<string> {
  const fast = await startSimulatorProcess({
    'api-key': API_KEY,
    'miss-latency-ms': 200,
    'miss-jitter-ms': 20,
    'hit-latency-ms': 50,
    'hit-jitter-ms': 10,
  });
  const defaults = await startSimulatorProcess({ 'api-key': API_KEY });
  try {
    const split = await signInOverhead(fast, 'split');
    const overhead = await signInOverhead(fast, 'all');
    const slowest = await jobVsSlowestResource(defaults);
    const throughput = [];
    for (const concurrency of [64, 128, 256])
      throughput.push(await workerThroughput(fast, concurrency, 6_000));
    const reads = await coldVsWarmedReads(defaults);
    const flood = await burst(fast, 200);

    const overheadP50 = overhead.p50.on - overhead.p50.off;
    const splitOverheadP50 = split.p50.on - split.p50.off;
    const best = throughput.reduce((a, b) => (b.steadyJobsPerSecond > a.steadyJobsPerSecond ? b : a));
    const speedUp = reads.cold.p50 / reads.warm.p50;
    const verdict = (ok: boolean) => (ok ? '**met**' : '**NOT met**');

    return [
      '## Sign-in pre-cache (issue 5)',
      '',
      'Everything on the one machine: Redis, the UHD simulator (`npm run uhd:sim`, its own process), the service',
      '(`dist/src/main.js`, its own process) and the load clients (their own processes).',
      '',
      table(
        ['measure', 'result', 'target', ''],
        [
          [
            'sign-in p50 overhead, precache on vs off: api and worker processes (production layout)',
            `${ms(splitOverheadP50)} ms (p50 ${ms(split.p50.off)} → ${ms(split.p50.on)} ms; p99 ${ms(split.p99.off)} → ${ms(split.p99.on)} ms)`,
            '≤ 1 ms',
            verdict(splitOverheadP50 <= 1),
          ],
          [
            'sign-in p50 overhead, precache on vs off: jobs in the same process (`ROLE=all`)',
            `${ms(overheadP50)} ms (p50 ${ms(overhead.p50.off)} → ${ms(overhead.p50.on)} ms; p99 ${ms(overhead.p99.off)} → ${ms(overhead.p99.on)} ms)`,
            '≤ 1 ms',
            verdict(overheadP50 <= 1),
          ],
          [
            'job duration / its slowest resource',
            `median ${slowest.medianRatio.toFixed(3)}×, p95 ${slowest.p95Ratio.toFixed(3)}× (median overhead ${ms(slowest.medianOverheadMs)} ms on ${ms(slowest.medianDurationMs)} ms jobs)`,
            '≤ 1.2×',
            verdict(slowest.p95Ratio <= 1.2),
          ],
          [
            'jobs per second, one worker instance, 200 ms upstream',
            `${rate(best.steadyJobsPerSecond)} jobs/s = ${rate(best.steadyUpstreamPerSecond)} upstream req/s (concurrency ${best.concurrency}, ${best.workerCores.toFixed(2)} cores)`,
            '≥ 200 jobs/s',
            verdict(best.steadyJobsPerSecond >= 200),
          ],
          [
            'health-record read, cold vs warmed (simulator defaults)',
            `p50 ${ms(reads.cold.p50)} ms vs ${ms(reads.warm.p50)} ms: ${speedUp.toFixed(1)}× faster`,
            '≥ 10×',
            verdict(speedUp >= 10),
          ],
          [
            'burst of 10,000 sign-ins',
            `drained in ${flood.drainSeconds.toFixed(1)} s; Redis peak +${flood.redisGrowthMiB.toFixed(1)} MiB; upstream peak ${flood.maxUpstreamInAnySecond} req in any 1 s vs limit ${flood.limit * 6}`,
            'upstream ≤ limit',
            verdict(flood.maxUpstreamInAnySecond <= flood.limit * 6),
          ],
        ],
      ),
      '',
      `### Sign-in latency (open loop, ${SIGN_IN_RATE} sign-ins/s for ${SIGN_IN_SECONDS} s after 2 s warm-up, a new user each, upstream 200 ms)`,
      '',
      'Precache off: the flag is off (eligibility still runs and skips with `flag_off`). On: every sign-in',
      'enqueues a job (concurrency 100, limit 200 jobs/s), run either by a `ROLE=worker` process beside the',
      '`ROLE=api` one that takes the sign-ins (how production runs; both on the same two cores here) or by',
      'the same process (`ROLE=all`). Fresh processes per run, runs alternated, medians of three runs each;',
      'a difference smaller than the run-to-run spread is noise of this shared two-core machine.',
      '',
      ...signInTable('api + worker processes', split),
      '',
      ...signInTable('one process, `ROLE=all`', overhead),
      '',
      '### Job duration vs its slowest resource (simulator defaults: 2 s ± 0.4 s per miss)',
      '',
      `${slowest.jobs} jobs, six resources each fetched in parallel; ratio = job duration / slowest resource, from the`,
      `service's \`precache job completed\` log lines. Median ${slowest.medianRatio.toFixed(3)}×, p95 ${slowest.p95Ratio.toFixed(3)}×, max ${slowest.maxRatio.toFixed(3)}×.`,
      '',
      '### Worker throughput (queue pre-filled with one job per user, one `ROLE=worker` instance, upstream 200 ms ± 20 ms)',
      '',
      table(
        [
          'concurrency',
          'jobs',
          'steady jobs/s',
          'upstream req/s',
          'drain s (incl. start)',
          'worker cores',
          'completed',
        ],
        throughput.map((t) => [
          t.concurrency,
          t.jobs.toLocaleString('en-US'),
          rate(t.steadyJobsPerSecond),
          rate(t.steadyUpstreamPerSecond),
          t.drainSeconds.toFixed(1),
          t.workerCores.toFixed(2),
          t.completed,
        ]),
      ),
      '',
      'Steady rate = jobs finished between 10% and 90% of the queue. The simulator and Redis share the two cores.',
      '',
      '### Health-record read, cold vs warmed (simulator defaults: miss 2 s ± 0.4 s, hit 50 ms ± 10 ms)',
      '',
      `30 users signed in on the web (warmed) and 30 on the mobile app (not warmed); once the web users' jobs completed, each read \`labs\` (10 at a time, groups interleaved).`,
      '',
      table(
        ['group', 'reads', 'p50 ms', 'p95 ms', 'max ms'],
        [
          ['cold (not warmed)', reads.cold.count, ms(reads.cold.p50), ms(reads.cold.p95), ms(reads.cold.max)],
          ['warmed', reads.warm.count, ms(reads.warm.p50), ms(reads.warm.p95), ms(reads.warm.max)],
        ],
      ),
      '',
      `Reads labelled \`warmed="true"\` by the service: ${reads.warmedLabel} of ${reads.warm.count}; read errors: ${reads.errors}.`,
      '',
      `### Burst of 10,000 sign-ins (\`ROLE=all\`, limit ${flood.limit} jobs/s = ${flood.limit * 6} upstream req/s, concurrency 100, upstream 200 ms)`,
      '',
      table(
        ['measure', 'value'],
        [
          [
            'sign-ins answered',
            `${flood.signIns.count.toLocaleString('en-US')} in ${flood.signInSeconds.toFixed(1)} s (${rate(flood.signIns.perSecond)}/s), p50 ${ms(flood.signIns.p50)} ms, p99 ${ms(flood.signIns.p99)} ms, errors ${flood.signIns.errors}`,
          ],
          ['drain time (first sign-in to last job finished)', `${flood.drainSeconds.toFixed(1)} s`],
          ['jobs completed', flood.completed.toLocaleString('en-US')],
          ['most jobs waiting (sampled every 1 s)', flood.peakWaiting.toLocaleString('en-US')],
          [
            'Redis used_memory, peak (growth over baseline)',
            `${flood.redisPeakMiB.toFixed(1)} MiB (+${flood.redisGrowthMiB.toFixed(1)} MiB)`,
          ],
          ['upstream resource requests', flood.upstreamRequests.toLocaleString('en-US')],
          [
            'most upstream requests in any one second',
            `${flood.maxUpstreamInAnySecond} (limit ${flood.limit * 6})`,
          ],
        ],
      ),
      '',
      "The limit is BullMQ's global limiter, set by `limiterFor()` to windows short enough that no 1.1 s span starts more",
      "jobs than the limit allows in one second (the extra 0.1 s absorbs the varying time between a job's start and its requests).",
    ].join('\n');
  } finally {
    await fast.stop();
    await defaults.stop();
  }
}
