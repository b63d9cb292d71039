import { setTimeout as sleep } from 'node:timers/promises';
import { createConnection } from 'mysql2/promise';
import { SEEDED_CHANNELS } from '../../../src/infrastructure/database/seed/replica-generator.js';
import { serviceEnv } from '../../lib/bench-env.js';
import { type RunningClient, startClient } from '../../lib/child-json.js';
import type { LoadResult } from '../../lib/load-result.js';
import { mib, watchPeakRss } from '../../lib/process-memory.js';
import type { Progress } from '../../lib/progress.js';
import { sampleSum, scrape } from '../../lib/prometheus.js';
import { RawRulesClient } from '../../lib/raw-grpc.js';
import { deleteByPrefix } from '../../lib/redis-memory.js';
import { table } from '../../lib/report.js';
import { startService } from '../../lib/service-process.js';
import { median, ms, rate } from '../../lib/stats.js';

const REPETITIONS = 3;
const HIT_CONCURRENCY = 4;
/** Hits measured before the cold load starts: the steady level it is compared with. */
const STEADY_MS = 3_000;
const MAX_HIT_LATENCY_TARGET_MS = 50;
const THROUGHPUT_SHARE_TARGET = 0.8;

interface Repetition {
  loadMs: number;
  steadyPerSecond: number;
  duringPerSecond: number;
  /** duringPerSecond / steadyPerSecond */
  share: number;
  maxHitMs: number;
  hitErrors: number;
  lagMaxMs: number;
  lagP99Ms: number;
  rssBeforeBytes: number;
  rssPeakBytes: number;
}

/** Active channels of exactly 20 contracts, the hits' working set. */
async function twentyContractChannels(databaseUrl: string, count: number): Promise<string[]> {
  const sql = await createConnection({ uri: databaseUrl });
  try {
    const [rows] = await sql.query(
      `SELECT c.id FROM enrollment_channel c JOIN sc_benefit_contract b ON b.enrollment_channel_id = c.id
       WHERE c.is_active = 1 GROUP BY c.id HAVING COUNT(*) = 20 ORDER BY c.id LIMIT ?`,
      [count],
    );
    return (rows as Array<{ id: string }>).map((r) => r.id);
  } finally {
    await sql.end();
  }
}

/** The hits' throughput before and during the load, and the slowest hit the load overlapped. */
function hitsAround(result: LoadResult, loadStarted: number, loadEnded: number) {
  const steadyFrom = Math.max(result.originEpochMs, loadStarted - STEADY_MS);
  const startOf = (i: number) => result.originEpochMs + result.startsMs[i];
  const endOf = (i: number) => startOf(i) + result.latencies[i];
  const perSecond = (from: number, to: number) => {
    const finished = result.latencies.filter((_, i) => endOf(i) >= from && endOf(i) < to).length;
    return finished / (Math.max(to - from, 1) / 1000);
  };
  const steadyPerSecond = perSecond(steadyFrom, loadStarted);
  const duringPerSecond = perSecond(loadStarted, loadEnded);
  // Every hit in flight at any moment of the load, however briefly.
  const overlapping = result.latencies.filter((_, i) => startOf(i) < loadEnded && endOf(i) > loadStarted);
  const errorsFrom = (result.errorStartsMs ?? []).map((start) => result.originEpochMs + start);
  return {
    steadyPerSecond,
    duringPerSecond,
    share: duringPerSecond / steadyPerSecond,
    maxHitMs: Math.max(0, ...overlapping),
    hitErrors: errorsFrom.filter((at) => at >= steadyFrom && at < loadEnded).length,
  };
}

/**
 * One repetition on a fresh instance (and a fresh key prefix, so the huge channel is cold in L1
 * and L2): hits on warmed 20-contract channels at concurrency 4 from one client process, then
 * one cold GetCoverageRules of the 70,000-contract channel from another client.
 */
async function repetition(databaseUrl: string, channels: string[]): Promise<Repetition> {
  const env = await serviceEnv({ DATABASE_URL: databaseUrl });
  const service = await startService(env);
  const client = new RawRulesClient(service.grpcAddress);
  let hits: RunningClient<LoadResult> | undefined;
  try {
    for (const channel of channels) {
      if ((await client.call('GetCoverageRules', channel)).code !== 0)
        throw new Error(`${channel} did not load`);
    }
    hits = startClient<LoadResult>('grpc-load', {
      address: service.grpcAddress,
      channels: channels.join(','),
      concurrency: HIT_CONCURRENCY,
      seconds: 120,
      warmup: 1,
    });
    // The client's start (about 0.3 s) and warm-up (1 s), then the steady span.
    await sleep(1_300 + STEADY_MS);

    const memory = watchPeakRss(service.child.pid!);
    await scrape(service.httpUrl); // resets the event-loop delay histogram behind the lag gauges
    memory.start();
    const loadStarted = Date.now();
    const cold = await client.call('GetCoverageRules', SEEDED_CHANNELS.huge, 120_000);
    const loadEnded = Date.now();
    const metrics = await scrape(service.httpUrl);
    const rss = memory.stop();
    if (cold.code !== 0) throw new Error(`the 70,000-contract load failed with gRPC code ${cold.code}`);
    await sleep(300);
    hits.stop();
    const result = await hits.result;

    return {
      loadMs: loadEnded - loadStarted,
      ...hitsAround(result, loadStarted, loadEnded),
      lagMaxMs: sampleSum(metrics, 'nodejs_eventloop_lag_max_seconds') * 1000,
      lagP99Ms: sampleSum(metrics, 'nodejs_eventloop_lag_p99_seconds') * 1000,
      rssBeforeBytes: rss.baselineBytes,
      rssPeakBytes: rss.peakBytes,
    };
  } finally {
    hits?.stop();
    client.close();
    await service.stop();
    await deleteByPrefix([`${env.REDIS_KEY_PREFIX}*`]);
  }
}

/** Loads never block hits: hits on warmed channels while a 70,000-contract channel loads cold. */
export async function loadsNeverBlockHits(databaseUrl: string, progress: Progress): Promise<string> {
  const channels = await twentyContractChannels(databaseUrl, 4);
  const runs: Repetition[] = [];
  for (let i = 0; i < REPETITIONS; i++) {
    progress.note(`repetition ${i + 1} of ${REPETITIONS}`);
    runs.push(await repetition(databaseUrl, channels));
  }
  const medians = Object.fromEntries(
    Object.keys(runs[0]).map((key) => [key, median(runs.map((r) => r[key as keyof Repetition]))]),
  ) as unknown as Repetition;
  const row = (label: string, r: Repetition) => [
    label,
    ms(r.loadMs),
    ms(r.maxHitMs),
    rate(r.steadyPerSecond),
    rate(r.duringPerSecond),
    `${Math.round(100 * r.share)}%`,
    r.hitErrors,
    ms(r.lagMaxMs),
    ms(r.lagP99Ms),
    `${mib(r.rssBeforeBytes)} → ${mib(r.rssPeakBytes)}`,
  ];
  return [
    '### Loads never block hits',
    '',
    `One instance on MariaDB. Hits on ${channels.length} warmed 20-contract channels (${channels.join(', ')}) at concurrency ${HIT_CONCURRENCY} from one client process; after ${STEADY_MS / 1000} s of steady hits, one cold \`GetCoverageRules\` of the 70,000-contract channel from another client. "During" = hits finished while the load ran; max hit = the slowest hit in flight at any moment of it. Event-loop lag from the service's /metrics (scraped just before and just after the load); RSS from /proc (high-water mark reset at the load's start; worker threads included). ${REPETITIONS} repetitions, each on a fresh instance and key prefix; medians in the last row.`,
    '',
    table(
      [
        'run',
        'load ms',
        'max hit ms',
        'hits/s steady',
        'hits/s during',
        'during / steady',
        'hit errors',
        'lag max ms',
        'lag p99 ms',
        'RSS MiB before → peak',
      ],
      [...runs.map((r, i) => row(String(i + 1), r)), row('median', medians)],
    ),
    '',
    `- Hits' max latency during the load: ${ms(medians.maxHitMs)} ms (target ≤ ${MAX_HIT_LATENCY_TARGET_MS} ms: ${medians.maxHitMs <= MAX_HIT_LATENCY_TARGET_MS ? 'met' : 'NOT met'}).`,
    `- Hits' throughput during the load: ${Math.round(100 * medians.share)}% of steady (target ≥ ${100 * THROUGHPUT_SHARE_TARGET}%: ${medians.share >= THROUGHPUT_SHARE_TARGET ? 'met' : 'NOT met'}).`,
    `- The load itself took ${ms(medians.loadMs)} ms; event-loop lag max ${ms(medians.lagMaxMs)} ms; peak RSS ${mib(medians.rssPeakBytes)} MiB (from ${mib(medians.rssBeforeBytes)} MiB before it).`,
  ].join('\n');
}
