import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { channelIdFor, SEEDED_CHANNELS } from '../../src/infrastructure/database/seed/replica-generator.js';
import { globalStatus } from '../../test/support/mariadb.js';
import { freePort } from '../../test/support/ports.js';
import { PrivateRedis } from '../../test/support/redis-server.js';
import { seededMariaDb, serviceEnv } from '../lib/bench-env.js';
import { runClient } from '../lib/child-json.js';
import { failedCalls, type LoadResult } from '../lib/load-result.js';
import { STOCK_PEER, STOCK_PEER_SETUP, startFloorPeer, startStockPeer } from '../lib/peers.js';
import { RawRulesClient } from '../lib/raw-grpc.js';
import { table } from '../lib/report.js';
import { startService } from '../lib/service-process.js';
import { type LatencySummary, median, ms, percentile, rate, summarize } from '../lib/stats.js';
import { saveChartData, saveTimeline } from '../lib/timelines.js';
import { ttlExpiry } from './rules-cache-ttl-expiry.js';
import { zipfSimulationReport } from './rules-cache-zipf.js';

const SECONDS = 3;
const SELECTS_PER_COVERAGE_LOAD = 4;
const COLD_BURST_DEADLINE_MS = 180_000;

const load = (
  address: string,
  channels: string,
  concurrency: number,
  extra: Record<string, string | number> = {},
) =>
  runClient<LoadResult>('grpc-load', {
    address,
    channels,
    concurrency,
    seconds: SECONDS,
    warmup: 1,
    ...extra,
  });
const summary = (r: LoadResult): LatencySummary => summarize(r.latencies, failedCalls(r), r.seconds);

/**
 * Issue 3's benchmarks, one run on one data set, every client in its own process over real
 * gRPC: hit vs uncached vs a bare server; cold burst, TTL expiry and Redis kill against the
 * stock CacheInterceptor peer; and a Zipf simulation of an hour of traffic.
 */
export async function rulesCacheScenario(): Promise<string> {
  const mariadb = await seededMariaDb('cache');
  const sections: string[] = ['## Tiered rules cache (issue 3)', ''];
  try {
    sections.push(await hitVersusUncached(mariadb.url), '');
    sections.push(await coldBurst(mariadb.url), '');
    process.stderr.write('  rules-cache: TTL expiry under load, ours vs stock peer ...\n');
    sections.push(await ttlExpiry(mariadb.url), '');
    sections.push(await redisKill(mariadb.url), '');
    sections.push(await zipfSimulationReport(), '');
  } finally {
    await mariadb.drop();
  }
  return sections.join('\n');
}

const ROUNDS = 3;
/** Pause before each measured cell, so the previous one's work has settled. */
const SETTLE_MS = 1_000;

const medianOf = (results: LatencySummary[], key: keyof LatencySummary) => median(results.map((r) => r[key]));

async function hitVersusUncached(databaseUrl: string): Promise<string> {
  const rows: Array<Array<string | number>> = [];
  const verdicts: string[] = [];
  const cached = await startService(await serviceEnv({ DATABASE_URL: databaseUrl }));
  const uncached = await startService(
    await serviceEnv({ DATABASE_URL: databaseUrl, RULES_CACHE_ENABLED: 'false' }),
  );
  try {
    for (const [label, channel] of [
      ['20', SEEDED_CHANNELS.small],
      ['3,351', SEEDED_CHANNELS.large],
    ] as const) {
      process.stderr.write(`  rules-cache: hit vs uncached vs bare, ${label} contracts ...\n`);
      const raw = new RawRulesClient(cached.grpcAddress);
      const bytes = (await raw.call('GetCoverageRules', channel)).bytes!;
      raw.close();
      const payloadFile = join(tmpdir(), `bench-payload-${process.pid}-${channel}.bin`);
      writeFileSync(payloadFile, bytes);
      const bare = await startFloorPeer('bare-grpc-server', await freePort(), payloadFile, channel);

      const servers = {
        uncached: uncached.grpcAddress,
        hit: cached.grpcAddress,
        bare: bare.grpcAddress,
      };
      const serial: Record<string, LatencySummary[]> = { uncached: [], hit: [], bare: [] };
      const parallel: Record<string, LatencySummary[]> = { uncached: [], hit: [], bare: [] };
      const cells = Object.entries(servers);
      for (let round = 0; round < ROUNDS; round++) {
        // Each round starts with a different server, and each cell after a pause: the uncached
        // server's database work (and its GC) spills into whatever is measured right after it.
        for (const [name, address] of [
          ...cells.slice(round % cells.length),
          ...cells.slice(0, round % cells.length),
        ]) {
          await sleep(SETTLE_MS);
          serial[name].push(summary(await load(address, channel, 1)));
          parallel[name].push(summary(await load(address, channel, 4)));
        }
      }
      await bare.stop();

      const rps4 = (name: string) => medianOf(parallel[name], 'perSecond');
      const row = (name: string, title: string) => [
        label,
        title,
        ms(medianOf(serial[name], 'p50')),
        ms(medianOf(serial[name], 'p99')),
        rate(medianOf(serial[name], 'perSecond')),
        rate(rps4(name)),
        `${(rps4(name) / rps4('uncached')).toFixed(1)}×`,
        `${Math.round((100 * rps4(name)) / rps4('bare'))}%`,
      ];
      rows.push(
        row('uncached', 'uncached (RULES_CACHE_ENABLED=false)'),
        row('hit', 'cache hit'),
        row('bare', 'bare grpc-js, same bytes'),
      );

      const speedup = rps4('hit') / rps4('uncached');
      const ofBare = rps4('hit') / rps4('bare');
      const hitP99 = medianOf(serial.hit, 'p99');
      if (channel === SEEDED_CHANNELS.small) {
        verdicts.push(
          `20 contracts: hit throughput ${speedup.toFixed(1)}× uncached (target ≥ 20×: ${speedup >= 20 ? 'met' : 'NOT met'}; the bare stack itself reaches ${(rps4('bare') / rps4('uncached')).toFixed(1)}×); ${Math.round(ofBare * 100)}% of the bare server (target ≥ 50%: ${ofBare >= 0.5 ? 'met' : 'NOT met'}).`,
        );
      } else {
        verdicts.push(
          `3,351 contracts: hit p99 at concurrency 1 ${ms(hitP99)} ms (target < 10 ms: ${hitP99 < 10 ? 'met' : 'NOT met'}); ${Math.round(ofBare * 100)}% of the bare server (target ≥ 60%: ${ofBare >= 0.6 ? 'met' : 'NOT met'}).`,
        );
      }
    }
  } finally {
    await cached.stop();
    await uncached.stop();
  }
  return [
    '### Hit path vs uncached path vs the bare stack',
    '',
    `\`GetCoverageRules\`, ${ROUNDS} interleaved rounds of ${SECONDS} s per cell (after a 1 s pause and 1 s of warm-up; each round starts with a different server), medians shown; the client keeps responses as bytes (it does not decode), so it measures the server. Throughput ratios are at concurrency 4; client and server share the 2 cores.`,
    '',
    table(
      [
        'contracts',
        'server',
        'p50 ms (c=1)',
        'p99 ms (c=1)',
        'req/s (c=1)',
        'req/s (c=4)',
        'vs uncached',
        'of bare',
      ],
      rows,
    ),
    '',
    ...verdicts.map((v) => `- ${v}`),
  ].join('\n');
}

async function coldBurst(databaseUrl: string): Promise<string> {
  process.stderr.write('  rules-cache: cold burst of 500, ours vs stock peer ...\n');
  const ours = await startService(await serviceEnv({ DATABASE_URL: databaseUrl }));
  const peer = await startStockPeer(await serviceEnv({ DATABASE_URL: databaseUrl }));
  const rows: Array<Array<string | number>> = [];
  const loads: Record<string, number> = {};
  try {
    for (const [label, address] of [
      ['ours', ours.grpcAddress],
      [STOCK_PEER, peer.grpcAddress],
    ] as const) {
      const before = await globalStatus('Com_select');
      const result = await runClient<LoadResult>('grpc-load', {
        address,
        channels: SEEDED_CHANNELS.large,
        burst: 500,
        // Long enough for every call to be answered, so each load has run when they are counted.
        deadlineMs: COLD_BURST_DEADLINE_MS,
      });
      const selects = (await globalStatus('Com_select')) - before;
      const s = summary(result);
      loads[label] = Math.round(selects / SELECTS_PER_COVERAGE_LOAD);
      rows.push([label, loads[label], s.errors, ms(s.p50), ms(s.p99), ms(s.max)]);
    }
  } finally {
    await ours.stop();
    await peer.stop();
  }
  saveChartData('cold-burst', { ours: loads.ours, peer: loads[STOCK_PEER] });
  return [
    '### Cold burst: 500 concurrent requests for one uncached 3,351-contract channel',
    '',
    `Database loads counted on the MariaDB server (\`Com_select\` delta ÷ 4 statements per load); client deadline ${COLD_BURST_DEADLINE_MS / 1000} s. ${STOCK_PEER_SETUP}`,
    '',
    table(['server', 'database loads', 'errors', 'p50 ms', 'p99 ms', 'max ms'], rows),
    '',
    `- Target: 1 load for ours against roughly 500 for the peer: ${loads.ours === 1 ? 'met' : 'NOT met'} (${loads.ours} vs ${loads[STOCK_PEER]}).`,
  ].join('\n');
}

async function redisKill(databaseUrl: string): Promise<string> {
  process.stderr.write('  rules-cache: Redis killed mid-run, ours vs stock peer ...\n');
  const channels = Array.from({ length: 50 }, (_, i) => channelIdFor(i + 1)).join(',');
  const rows: Array<Array<string | number>> = [];
  for (const label of ['ours', STOCK_PEER] as const) {
    const redis = await PrivateRedis.start();
    const env = await serviceEnv({ DATABASE_URL: databaseUrl, REDIS_URL: redis.url });
    const server = label === 'ours' ? await startService(env) : await startStockPeer(env);
    try {
      const running = runClient<LoadResult>('grpc-load', {
        address: server.grpcAddress,
        channels,
        zipf: 1.1,
        concurrency: 4,
        seconds: 12,
        warmup: 1,
        deadlineMs: 2_000,
      });
      await new Promise((r) => setTimeout(r, 1_000 + 4_000));
      await redis.kill();
      await new Promise((r) => setTimeout(r, 4_000));
      await redis.restart();
      const result = await running;
      saveTimeline(`redis-kill-${label === 'ours' ? 'ours' : 'peer'}`, result);
      const s = summary(result);
      const outage = result.latencies
        .filter((_, i) => result.startsMs[i] >= 4_000 && result.startsMs[i] < 8_000)
        .sort((a, b) => a - b);
      rows.push([
        label,
        s.count,
        s.errors,
        ms(s.p50),
        ms(s.p99),
        ms(percentile(outage, 99)),
        rate(s.perSecond),
      ]);
    } finally {
      await server.stop();
      await redis.kill();
    }
  }
  return [
    '### Redis killed mid-run',
    '',
    'A private redis-server is SIGKILLed 4 s into a 12 s run and restarted 4 s later; Zipf(1.1) over 50 channels, concurrency 4, client deadline 2 s.',
    '',
    table(['server', 'answered', 'errors', 'p50 ms', 'p99 ms', 'p99 during outage ms', 'req/s'], rows),
    '',
    `- Target: 0 errors for ours: ${rows[0][2] === 0 ? 'met' : 'NOT met'}.`,
  ].join('\n');
}
