import type { Cluster } from 'ioredis';
import { createConnection } from 'mysql2/promise';
import { runClient } from '../../bench/lib/child-json.js';
import { failedCalls, type LoadResult } from '../../bench/lib/load-result.js';
import { RawRulesClient } from '../../bench/lib/raw-grpc.js';
import { ms, percentile } from '../../bench/lib/stats.js';
import { queueKeyPrefix } from '../../src/infrastructure/queue/queue-keys.js';
import { MetricNames as M } from '../../src/platform/metrics/metric-names.js';
import type { RulesMethod } from '../../src/rules/rules.proto.js';
import { RULES_KINDS } from '../../src/rules/rules.types.js';
import { rulesCacheKeys } from '../../src/rules-cache/rules-cache-keys.js';
import { eventually } from '../../test/support/eventually.js';
import { rulesClient } from '../../test/support/grpc-client.js';
import { PrivateRedisCluster } from '../../test/support/redis-cluster.js';
import type { Scenario, ScenarioContext } from '../lib/scenario.js';
import { INTERNAL_TOKEN, Stack, sleep } from '../lib/stack.js';

const CHANNELS = 30;
const channelIds = Array.from({ length: CHANNELS }, (_, i) => `ec-${String(i + 1).padStart(4, '0')}`);
const METHODS: RulesMethod[] = ['GetCoverageRules', 'GetPopulationMembershipRules'];
/** A whole-kind flush lets older L1 entries answer this long (RULES_CACHE_INVALIDATION_STALE_MS) before they go. */
const INVALIDATION_BRIDGE_MS = 500;

/**
 * "Past one machine": the service's happy path on a private 3-master Redis Cluster, and the same
 * gRPC load on a private single Redis beside it. On the cluster: reads cold then cached, sign-ins
 * warmed end to end through the BullMQ queue (its keys in one slot), a sync event from the stream
 * reaching both api instances' L1 through pub/sub, and an admin flush deleting on every master.
 * Figures: hit latency (L1 and L2 hits) and sync-event propagation, cluster vs single Redis.
 */
export const redisCluster: Scenario = {
  id: 'redis-cluster',
  title: 'Happy path on a 3-master Redis Cluster',
  async run(context) {
    const { findings, log } = context;
    const full = context.profile.name === 'full';
    const plan = {
      loadSeconds: full ? 30 : 4,
      concurrency: 8,
      signIns: full ? 300 : 30,
      l2Rounds: full ? 5 : 1,
    };

    let cluster: PrivateRedisCluster | undefined;
    let client: Cluster | undefined;
    let singleStarting: Promise<Stack> | undefined;
    const stacks: Stack[] = [];
    try {
      cluster = await PrivateRedisCluster.start(3);
      client = cluster.client();
      const viaCluster = client;
      log(`cluster up on ports ${cluster.ports.join(', ')}`);
      // One stack boots at a time: six service processes starting at once on a loaded 2-core
      // machine can miss the readiness deadline.
      const onCluster = await Stack.start({
        label: 'redis-cluster',
        channels: CHANNELS,
        logDir: context.logDir,
        redisClusterNodes: cluster.seeds,
      });
      stacks.push(onCluster);
      const l2 = {
        cluster: await coldThenHit(onCluster, context, 'cluster'),
        single: { latencies: [] as number[], errors: 0 },
      };

      // The single-Redis stack boots while the cluster's checks that take no latency figure run.
      singleStarting = Stack.start({ label: 'redis-single', channels: CHANNELS, logDir: context.logDir });
      await flushScansEveryMaster(onCluster, cluster, context);
      const onSingle = await singleStarting;
      singleStarting = undefined;
      stacks.push(onSingle);
      log('single-Redis stack up');

      // From here on one stack at a time is measured, so the two do not share the CPU.
      await signInsWarmed(onCluster, plan.signIns, context, 'cluster');
      await queueKeysInOneSlot(onCluster, cluster, context);
      const clusterSync = await syncEventReachesBothApis(
        onCluster,
        (stream, event) => viaCluster.xadd(stream, '*', 'event', event),
        context,
        'cluster',
      );
      l2.single = await coldThenHit(onSingle, context, 'single Redis');
      await signInsWarmed(onSingle, plan.signIns, context, 'single Redis');
      const singleRedis = onSingle.redisClient();
      try {
        const singleSync = await syncEventReachesBothApis(
          onSingle,
          (stream, event) => singleRedis.xadd(stream, '*', 'event', event),
          context,
          'single Redis',
        );
        findings.figure(
          'sync event visible on both apis, cluster vs single (ms)',
          `${ms(clusterSync)} vs ${ms(singleSync)}`,
        );
      } finally {
        singleRedis.disconnect();
      }
      const l1 = { cluster: await l1HitLoad(onCluster, plan), single: await l1HitLoad(onSingle, plan) };
      for (let round = 1; round < plan.l2Rounds; round++) {
        for (const [stack, runs] of [
          [onCluster, l2.cluster],
          [onSingle, l2.single],
        ] as const) {
          const more = await l2Hits(stack);
          runs.latencies.push(...more.latencies);
          runs.errors += more.errors;
        }
      }
      for (const [name, runs] of [
        ['L1 hits under load', l1],
        ['L2 hits', l2],
      ] as const) {
        const errors = runs.cluster.errors + runs.single.errors;
        findings.check(
          `${name}: every RPC answered OK on both stacks`,
          errors === 0 && runs.cluster.latencies.length > 0 && runs.single.latencies.length > 0,
          `${runs.cluster.latencies.length} + ${runs.single.latencies.length} OK, ${errors} errors`,
        );
        const c = summary(runs.cluster.latencies);
        const s = summary(runs.single.latencies);
        findings.figure(
          `${name} p50, cluster vs single (ms)`,
          `${ms(c.p50)} vs ${ms(s.p50)} (${change(c.p50, s.p50)})`,
        );
        findings.figure(
          `${name} p99, cluster vs single (ms)`,
          `${ms(c.p99)} vs ${ms(s.p99)} (${change(c.p99, s.p99)})`,
        );
      }
      findings.figure(
        'L1-hit throughput, cluster vs single (RPC/s)',
        `${(l1.cluster.latencies.length / l1.cluster.seconds).toFixed(0)} vs ${(l1.single.latencies.length / l1.single.seconds).toFixed(0)}`,
      );
    } finally {
      if (singleStarting) {
        const late = await singleStarting.catch(() => undefined);
        if (late) stacks.push(late);
      }
      for (const stack of stacks)
        await stack.stop().catch((error) => log(`stopping a stack: ${String(error)}`));
      client?.disconnect();
      await cluster?.stop();
    }
  },
};

/** Every channel read cold on api-1 (one database load each), then on api-2 from L2 with none. */
async function coldThenHit(stack: Stack, { findings }: ScenarioContext, where: string) {
  const loadsBefore = await stack.metric(M.rulesDbLoadsTotal);
  const cold = await everyChannel(stack.apis[0].grpcAddress);
  const loadsCold = (await stack.metric(M.rulesDbLoadsTotal)) - loadsBefore;
  const l2Before = await stack.metric(M.rulesCacheRequestsTotal, { result: 'hit_l2' });
  const warm = await everyChannel(stack.apis[1].grpcAddress);
  const loadsWarm = (await stack.metric(M.rulesDbLoadsTotal)) - loadsBefore - loadsCold;
  const l2Hits = (await stack.metric(M.rulesCacheRequestsTotal, { result: 'hit_l2' })) - l2Before;
  const expected = channelIds.length * METHODS.length;
  findings.check(
    `${where}: cold reads answer OK, each channel and kind loaded from the database once`,
    cold.errors === 0 && loadsCold === expected,
    `${cold.latencies.length} OK, ${cold.errors} errors, ${loadsCold} loads for ${expected} keys`,
  );
  findings.check(
    `${where}: the other api instance answers them from L2, with no database load`,
    warm.errors === 0 && loadsWarm === 0 && l2Hits === expected,
    `${warm.latencies.length} OK, ${warm.errors} errors, ${l2Hits} L2 hits, ${loadsWarm} loads`,
  );
  return warm;
}

/**
 * Sign-ins over HTTP, each by a new eligible user: every one is answered, accounted for
 * (enqueued, skipped by reason, deduplicated or failed to enqueue), and every enqueued job is
 * warmed end to end by the worker. Skips are reported, not failed: a flag read that outlives
 * REDIS_COMMAND_TIMEOUT_MS skips the warm-up by design (`flag_unavailable`).
 */
async function signInsWarmed(stack: Stack, count: number, { findings, log }: ScenarioContext, where: string) {
  const counters = async () => ({
    enqueued: await stack.metric(M.precacheJobsEnqueuedTotal),
    skipped: await stack.metric(M.precacheJobsSkippedTotal),
    deduplicated: await stack.metric(M.precacheJobsDeduplicatedTotal),
    failed: await stack.metric(M.precacheJobsEnqueueFailedTotal),
    completed: await stack.metric(M.precacheJobsTotal, { outcome: 'completed' }),
    ended: await stack.metric(M.precacheJobsTotal),
  });
  const before = await counters();
  const delta = async () => {
    const now = await counters();
    return Object.fromEntries(
      Object.entries(now).map(([k, v]) => [k, v - before[k as keyof typeof before]]),
    ) as typeof now;
  };
  const result = await runClient<LoadResult>('sign-in-load', {
    url: stack.apis[0].httpUrl,
    token: INTERNAL_TOKEN,
    mode: 'burst',
    count,
    concurrency: 8,
  });
  const failedSignIns = failedCalls(result);
  findings.check(
    `${where}: every sign-in answered 201`,
    failedSignIns === 0 && result.latencies.length === count,
    `${result.latencies.length}/${count} answered 201, errors ${JSON.stringify(result.errors)}`,
  );
  const started = Date.now();
  const accounted = (d: Awaited<ReturnType<typeof delta>>) =>
    d.enqueued + d.skipped + d.deduplicated + d.failed;
  await eventually(
    async () => {
      const d = await delta();
      return accounted(d) >= count && d.ended >= d.enqueued;
    },
    30_000,
    250,
  );
  const d = await delta();
  log(`${where}: ${d.ended} of ${d.enqueued} jobs ended ${Date.now() - started} ms after the last sign-in`);
  findings.check(
    `${where}: sign-ins = enqueued + skipped + deduplicated + enqueue_failed, and every enqueued job is warmed end to end (completed)`,
    accounted(d) === count && d.enqueued > 0 && d.completed === d.enqueued,
    `${count} = ${d.enqueued} + ${d.skipped} + ${d.deduplicated} + ${d.failed}; ${d.completed} completed`,
  );
  const latency = summary(result.latencies);
  findings.figure(
    `${where}: sign-ins warmed / skipped / enqueue failed`,
    `${d.completed} / ${d.skipped} / ${d.failed} of ${count}`,
  );
  findings.figure(`${where}: sign-in p50 / p99 (ms)`, `${ms(latency.p50)} / ${ms(latency.p99)}`);
}

/** BullMQ's keys (prefix `{…-queue}`) all hash to one slot, so they sit on one master. */
async function queueKeysInOneSlot(stack: Stack, cluster: PrivateRedisCluster, { findings }: ScenarioContext) {
  const prefix = queueKeyPrefix(stack.env.REDIS_KEY_PREFIX);
  const byNode = await cluster.keysByNode(`${prefix}*`);
  const holders = [...byNode.entries()].filter(([, keys]) => keys.length > 0);
  const count = holders.reduce((n, [, keys]) => n + keys.length, 0);
  findings.check(
    'cluster: the queue uses a hash-tagged prefix; all its keys are on one master',
    prefix.startsWith('{') && holders.length === 1 && count > 0,
    `${count} keys under ${prefix} on ${holders.length} master(s)`,
  );
}

/**
 * Renames a channel both api instances hold in L1, sends the replicator's sync event on the
 * stream, and times until both answer the new name. Returns that time in ms.
 */
async function syncEventReachesBothApis(
  stack: Stack,
  send: (stream: string, event: string) => Promise<unknown>,
  { findings }: ScenarioContext,
  where: string,
): Promise<number> {
  const id = 'ec-0007';
  const clients = stack.apis.map((api) => rulesClient(api.grpcAddress));
  const name = async (i: number) =>
    ((await clients[i].getCoverageRules(id)).response?.enrollmentChannel as { name?: string } | undefined)
      ?.name;
  try {
    const before = await Promise.all(clients.map((_, i) => name(i)));
    const renamed = `Renamed on the ${where} stack ${Date.now()}`;
    const db = await createConnection({ uri: stack.database.url });
    try {
      await db.query('UPDATE enrollment_channel SET name = ? WHERE id = ?', [renamed, id]);
    } finally {
      await db.end();
    }
    const stillOld = await Promise.all(clients.map((_, i) => name(i)));
    const started = performance.now();
    await send(
      stack.env.REPLICATOR_STREAM,
      JSON.stringify({
        table: 'enrollment_channel',
        enrollmentChannelIds: [id],
        syncedAt: new Date().toISOString(),
      }),
    );
    const seen = await eventually(
      async () => (await Promise.all(clients.map((_, i) => name(i)))).every((n) => n === renamed),
      10_000,
      10,
    );
    const elapsed = performance.now() - started;
    findings.check(
      `${where}: a sync event on the stream reaches both api instances' L1 (new data on both within 5 s)`,
      before.every((n) => n !== undefined) &&
        stillOld.every((n) => n === before[0]) &&
        seen &&
        elapsed < 5_000,
      seen ? `both answered the new name after ${ms(elapsed)} ms` : 'not seen on both within 10 s',
    );
    return elapsed;
  } finally {
    for (const c of clients) c.close();
  }
}

/** An admin flush of everything deletes the cache's keys on all three masters. */
async function flushScansEveryMaster(
  stack: Stack,
  cluster: PrivateRedisCluster,
  { findings }: ScenarioContext,
) {
  const prefix = stack.env.REDIS_KEY_PREFIX;
  const perMaster = async () => {
    const counts = new Map<number, number>();
    for (const kind of RULES_KINDS)
      for (const [port, keys] of await cluster.keysByNode(rulesCacheKeys(prefix).namespacePattern(kind)))
        counts.set(port, (counts.get(port) ?? 0) + keys.length);
    return [...counts.values()];
  };
  const before = await perMaster();
  const response = await stack.admin('POST', '/admin/cache/flush');
  const deleted = response.status === 200 ? ((await response.json()) as { deleted: number }).deleted : -1;
  const after = await perMaster();
  const total = before.reduce((a, b) => a + b, 0);
  findings.check(
    'cluster: an admin flush scans every master and deletes every cache key on all three',
    before.length === 3 && before.every((n) => n > 0) && deleted === total && after.every((n) => n === 0),
    `keys per master before ${before.join('/')}, deleted ${deleted}, after ${after.join('/')}`,
  );
  await sleep(INVALIDATION_BRIDGE_MS + 100);
  const again = await everyChannel(stack.apis[1].grpcAddress);
  findings.check(
    'cluster: after the flush both kinds answer again (reloaded)',
    again.errors === 0,
    `${again.latencies.length} OK, ${again.errors} errors`,
  );
}

/** Steady gRPC load from its own process on the hot set (L1 hits on api-1). */
async function l1HitLoad(stack: Stack, plan: { loadSeconds: number; concurrency: number }) {
  const run = await runClient<LoadResult>('grpc-load', {
    address: stack.apis[0].grpcAddress,
    channels: channelIds.slice(0, 20).join(','),
    concurrency: plan.concurrency,
    seconds: plan.loadSeconds,
    warmup: 1,
  });
  return {
    latencies: run.latencies,
    errors: failedCalls(run),
    seconds: run.seconds,
  };
}

/**
 * One more round of reads that must go to Redis: api-1 reloads every key after a flush, then
 * api-2 (whose L1 the flush made out of date) reads each once from L2. Returns api-2's latencies.
 */
async function l2Hits(stack: Stack) {
  const response = await stack.admin('POST', '/admin/cache/flush');
  let errors = response.status === 200 ? 0 : 1;
  await sleep(INVALIDATION_BRIDGE_MS + 100);
  errors += (await everyChannel(stack.apis[0].grpcAddress)).errors;
  const timed = await everyChannel(stack.apis[1].grpcAddress);
  return { latencies: timed.latencies, errors: errors + timed.errors };
}

/** Every channel and method once, one call at a time; latencies of the OK answers. */
async function everyChannel(address: string) {
  const client = new RawRulesClient(address);
  const latencies: number[] = [];
  let errors = 0;
  try {
    for (const id of channelIds)
      for (const method of METHODS) {
        const started = performance.now();
        const { code } = await client.call(method, id, 10_000);
        if (code === 0) latencies.push(performance.now() - started);
        else errors += 1;
      }
  } finally {
    client.close();
  }
  return { latencies, errors };
}

function summary(latencies: number[]) {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

const change = (cluster: number, single: number) => {
  const delta = ((cluster - single) / single) * 100;
  return `${delta >= 0 ? '+' : ''}${delta.toFixed(0)}%`;
};
