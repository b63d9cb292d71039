import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SEEDED_CHANNELS } from '../../src/infrastructure/database/seed/replica-generator.js';
import { freePort } from '../../test/support/ports.js';
import { seededMariaDb, serviceEnv } from '../lib/bench-env.js';
import { runClient } from '../lib/child-json.js';
import { failedCalls, type LoadResult } from '../lib/load-result.js';
import { type FloorPeer, startFloorPeer } from '../lib/peers.js';
import { Progress } from '../lib/progress.js';
import { RawRulesClient } from '../lib/raw-grpc.js';
import { deleteByPrefix } from '../lib/redis-memory.js';
import { table } from '../lib/report.js';
import { startService } from '../lib/service-process.js';
import { type LatencySummary, median, ms, rate, summarize } from '../lib/stats.js';

const ROUNDS = 3;
const SECONDS = 3;
/** Pause before each measured cell, so the previous one's work has settled. */
const SETTLE_MS = 1_000;
const OF_NEST_FLOOR_TARGET = 0.9;

const SERVERS = ['hit', 'nest', 'bare'] as const;
type Server = (typeof SERVERS)[number];
const TITLES: Record<Server, string> = {
  hit: 'ours, cache hit',
  nest: 'bare NestJS gRPC microservice, same bytes',
  bare: 'bare grpc-js, same bytes',
};
const PEERS: Record<Exclude<Server, 'hit'>, FloorPeer> = {
  nest: 'bare-nest-grpc-server',
  bare: 'bare-grpc-server',
};

async function cell(address: string, channel: string, concurrency: number): Promise<LatencySummary> {
  const r = await runClient<LoadResult>('grpc-load', {
    address,
    channels: channel,
    concurrency,
    seconds: SECONDS,
    warmup: 1,
  });
  return summarize(r.latencies, failedCalls(r), r.seconds);
}

type Cells = Record<Server, LatencySummary[]>;

/**
 * One channel's interleaved rounds: ours (answering from its cache) and the two floors, started
 * with the bytes ours answers. Each round starts with a different server, each cell after a pause.
 */
async function measureChannel(oursAddress: string, label: string, channel: string, progress: Progress) {
  const raw = new RawRulesClient(oursAddress);
  const bytes = (await raw.call('GetCoverageRules', channel)).bytes!;
  raw.close();
  const payloadFile = join(tmpdir(), `bench-payload-${process.pid}-${channel}.bin`);
  writeFileSync(payloadFile, bytes);
  const nest = await startFloorPeer(PEERS.nest, await freePort(), payloadFile, channel);
  const bare = await startFloorPeer(PEERS.bare, await freePort(), payloadFile, channel);
  const addresses: Record<Server, string> = {
    hit: oursAddress,
    nest: nest.grpcAddress,
    bare: bare.grpcAddress,
  };
  const serial: Cells = { hit: [], nest: [], bare: [] };
  const parallel: Cells = { hit: [], nest: [], bare: [] };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      progress.note(`${label} contracts, round ${round + 1} of ${ROUNDS}`);
      const order = [...SERVERS.slice(round % SERVERS.length), ...SERVERS.slice(0, round % SERVERS.length)];
      for (const server of order) {
        await sleep(SETTLE_MS);
        serial[server].push(await cell(addresses[server], channel, 1));
        parallel[server].push(await cell(addresses[server], channel, 4));
      }
    }
  } finally {
    await nest.stop();
    await bare.stop();
    rmSync(payloadFile, { force: true });
  }
  return { serial, parallel };
}

/** The table rows of one channel, and the verdict on its target. */
function channelReport(label: string, { serial, parallel }: { serial: Cells; parallel: Cells }) {
  const med = (runs: LatencySummary[], key: keyof LatencySummary) => median(runs.map((r) => r[key]));
  const rps4 = (server: Server) => med(parallel[server], 'perSecond');
  const rps1 = (server: Server) => med(serial[server], 'perSecond');
  const share = (server: Server, of: Server) =>
    `${Math.round((100 * rps1(server)) / rps1(of))}% / ${Math.round((100 * rps4(server)) / rps4(of))}%`;
  const rows = SERVERS.map((server) => [
    label,
    TITLES[server],
    ms(med(serial[server], 'p50')),
    ms(med(serial[server], 'p99')),
    rate(rps1(server)),
    rate(rps4(server)),
    share(server, 'nest'),
    share(server, 'bare'),
  ]);
  const ofNest = rps4('hit') / rps4('nest');
  const verdict = `${label} contracts: ours at concurrency 4 is ${Math.round(100 * ofNest)}% of the NestJS floor (target ≥ ${100 * OF_NEST_FLOOR_TARGET}%: ${ofNest >= OF_NEST_FLOOR_TARGET ? 'met' : 'NOT met'}) and ${Math.round((100 * rps4('hit')) / rps4('bare'))}% of bare grpc-js; the NestJS floor itself is ${Math.round((100 * rps4('nest')) / rps4('bare'))}% of bare grpc-js.`;
  return { rows, verdict };
}

/** The hit path against the floor of its own stack (a bare NestJS gRPC microservice) and of grpc-js. */
async function hitPathVersusFloor(databaseUrl: string, progress: Progress): Promise<string> {
  const env = await serviceEnv({ DATABASE_URL: databaseUrl });
  const ours = await startService(env);
  const reports: Array<ReturnType<typeof channelReport>> = [];
  try {
    for (const [label, channel] of [
      ['20', SEEDED_CHANNELS.small],
      ['3,351', SEEDED_CHANNELS.large],
    ] as const) {
      reports.push(channelReport(label, await measureChannel(ours.grpcAddress, label, channel, progress)));
    }
  } finally {
    await ours.stop();
    await deleteByPrefix([`${env.REDIS_KEY_PREFIX}*`]);
  }
  return [
    '### Hit path vs the floor of the stack',
    '',
    `\`GetCoverageRules\` cache hits against two servers that answer every call with the same pre-encoded bytes: a bare NestJS gRPC microservice (\`bench/peers/bare-nest-grpc-server.ts\`: the service's package definition and Buffer pass-through serializer, one \`@GrpcMethod\` handler, no interceptors, filters or metrics) and a bare grpc-js server. ${ROUNDS} interleaved rounds of ${SECONDS} s per cell (after a ${SETTLE_MS / 1000} s pause and 1 s of warm-up; each round starts with a different server), medians shown; the client keeps responses as bytes. Shares are of throughput, at concurrency 1 / 4.`,
    '',
    table(
      [
        'contracts',
        'server',
        'p50 ms (c=1)',
        'p99 ms (c=1)',
        'req/s (c=1)',
        'req/s (c=4)',
        'of NestJS floor (c=1 / c=4)',
        'of bare grpc-js (c=1 / c=4)',
      ],
      reports.flatMap((r) => r.rows),
    ),
    '',
    ...reports.map((r) => `- ${r.verdict}`),
  ].join('\n');
}

/** The cache-hit path against the floor of its stack (bare NestJS gRPC) and of grpc-js. */
export async function rulesHitFloorScenario(): Promise<string> {
  const progress = new Progress('rules-hit-floor', [60, 200]);
  progress.step('seeding MariaDB');
  const mariadb = await seededMariaDb('floor');
  try {
    progress.step('hit path vs the NestJS floor vs bare grpc-js');
    return [
      '## Rules cache hit path vs the floor of the stack',
      '',
      await hitPathVersusFloor(mariadb.url, progress),
    ].join('\n');
  } finally {
    await mariadb.drop();
  }
}
