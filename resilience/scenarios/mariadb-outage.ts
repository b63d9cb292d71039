import { answeredCalls, failedCalls, startedBetween } from '../../bench/lib/load-result.js';
import { RawRulesClient } from '../../bench/lib/raw-grpc.js';
import { ms, summarize } from '../../bench/lib/stats.js';
import { MetricNames as M } from '../../src/platform/metrics/metric-names.js';
import { eventually } from '../../test/support/eventually.js';
import { grpcLoadOnEach } from '../lib/load.js';
import type { Scenario } from '../lib/scenario.js';
import { type Instance, Stack, sleep } from '../lib/stack.js';

const CUT_MS = 10_000;
/** Entries live 4 s (±10%), fresh for the first half: every cached entry goes stale, then past its TTL, during the cut. */
const TTL_SECONDS = 4;
const FRESH_PERCENT = 50;
const TTL_MAX_MS = TTL_SECONDS * 1000 * 1.1;
/** The callers' deadline (grpc-load's default, as in redis-outage): no call may take longer, answered or not. */
const DEADLINE_MS = 5_000;
const UNAVAILABLE = 14;
/**
 * The pool reconnects on the next query, so recovery is immediate; the bound leaves room for a
 * busy machine (CI's two cores) and still fails a service that waits out a long reconnect backoff.
 */
const RECOVERY_BOUND_MS = 10_000;
/** Load clients start in a few seconds on a busy machine; each runs this much longer than its phases. */
const CLIENT_START_ALLOWANCE_MS = 8_000;
const CLIENT_START_TIMEOUT_MS = 20_000;
/**
 * Read all along, so every instance has them in L1 when the database goes. Light channels: the
 * 3,351-contract ec-0002 refreshed every 2 s would measure the machine's CPU, not the cache.
 */
const CACHED = ['ec-0001', 'ec-0003', 'ec-0004', 'ec-0005', 'ec-0006', 'ec-0007'];
/** Never read before the cut: nothing to fall back on. */
const UNCACHED = Array.from({ length: 14 }, (_, i) => `ec-${String(i + 8).padStart(4, '0')}`);

/**
 * MariaDB unreachable for 10 s (the proxy in front of it refuses connections and drops the open
 * ones) under gRPC load on both api instances.
 *
 * - Cached channels keep answering, with no error, although their entries go stale and then past
 *   their TTL during the cut: the cache serves them within grace while the database is down.
 * - Uncached channels get UNAVAILABLE fast, never DEADLINE_EXCEEDED: every such call is answered
 *   well within the client's deadline.
 * - After the database is back: uncached channels answer OK and /health/ready is 200 on both api
 *   instances within a bound, and no call fails afterwards.
 */
export const mariadbOutage: Scenario = {
  id: 'mariadb-outage',
  title: 'MariaDB unreachable for 10 s under gRPC load',
  async run({ profile, logDir, findings, log }) {
    const full = profile.name === 'full';
    const beforeMs = full ? 15_000 : 4_000;
    const afterMs = full ? 20_000 : 2_000;
    const perSecondPerApi = full ? 100 : 40;
    const stack = await Stack.start({
      label: 'mariadb-outage',
      channels: 30,
      logDir,
      env: {
        RULES_CACHE_TTL_SECONDS: String(TTL_SECONDS),
        RULES_CACHE_FRESH_PERCENT: String(FRESH_PERCENT),
      },
    });
    const clients = stack.apis.map((api) => new RawRulesClient(api.grpcAddress));
    const staleServed = () => stack.metric(M.rulesCacheRequestsTotal, { result: 'stale' }, stack.apis);
    try {
      await warm(clients);
      const loadSeconds = (CLIENT_START_ALLOWANCE_MS + beforeMs + CUT_MS + afterMs) / 1000;
      log(`cached load for ${loadSeconds} s; database cut after ${beforeMs / 1000} s`);
      const cachedLoad = grpcLoadOnEach(stack.apis, {
        channels: CACHED.join(','),
        rate: perSecondPerApi,
        seconds: loadSeconds,
        deadlineMs: DEADLINE_MS,
      });
      // The phases start once the load reaches both instances.
      const handled = (api: Instance) => stack.metric(M.grpcServerHandledTotal, {}, [api]);
      const baseline = await Promise.all(stack.apis.map(handled));
      const flowing = await eventually(
        async () => (await Promise.all(stack.apis.map(handled))).every((n, i) => n > baseline[i]),
        CLIENT_START_TIMEOUT_MS,
      );
      if (!flowing) throw new Error('the load clients did not reach both instances in time');
      const flowingAt = Date.now();
      await sleep(beforeMs);

      const staleBefore = await staleServed();
      await stack.databaseProxy.cut();
      const cutAt = Date.now();
      log('database cut');

      // Uncached channels, one call at a time on each instance, until just before the restore.
      const probes: Array<{ code: number; ms: number; startedAt: number }> = [];
      await Promise.all(
        clients.map(async (client, c) => {
          for (let i = c; Date.now() < cutAt + CUT_MS - DEADLINE_MS; i += clients.length) {
            const startedAt = Date.now();
            const started = performance.now();
            const { code } = await client.call(
              'GetCoverageRules',
              UNCACHED[i % UNCACHED.length],
              DEADLINE_MS,
            );
            probes.push({ code, ms: performance.now() - started, startedAt });
            await sleep(50);
          }
        }),
      );
      await sleep(Math.max(0, cutAt + CUT_MS - Date.now()));
      const staleDuring = (await staleServed()) - staleBefore;
      await stack.databaseProxy.restore();
      const restoredAt = Date.now();
      log('database restored');

      // Recovery: an uncached channel answers OK on both instances, and both are ready again.
      let recoveredMs = Number.NaN;
      for (let i = 0; Date.now() - restoredAt < 30_000; i++) {
        const answers = await Promise.all(
          clients.map((client, c) =>
            client.call(
              'GetCoverageRules',
              UNCACHED[(i * clients.length + c) % UNCACHED.length],
              DEADLINE_MS,
            ),
          ),
        );
        const ready = await Promise.all(stack.apis.map((api) => api.ready()));
        if (answers.every((a) => a.code === 0) && ready.every(Boolean)) {
          recoveredMs = Date.now() - restoredAt;
          break;
        }
        await sleep(100);
      }
      const cached = await cachedLoad;
      // No lasting error: every uncached channel, on both instances, once the load is over.
      const sweep = await Promise.all(
        clients.flatMap((client) => UNCACHED.map((id) => client.call('GetCoverageRules', id, DEADLINE_MS))),
      );

      // ---- cached channels -----------------------------------------------------------------
      const cachedErrors = failedCalls(cached);
      const during = startedBetween(cached, cutAt, restoredAt);
      const pastTtl = startedBetween(cached, cutAt + TTL_MAX_MS, restoredAt);
      findings.check(
        'cached channels keep answering: no error on the warmed channels, before, during or after the cut',
        cachedErrors === 0 && during.count > 0,
        `${answeredCalls(cached)} OK (${during.count} during the cut), ${cachedErrors} failed ${JSON.stringify(cached.map((r) => r.errors))}`,
      );
      findings.check(
        `stale answers within grace: entries past their TTL (${TTL_SECONDS} s +10%) still answered while the database was down`,
        pastTtl.count > 0 && staleDuring > 0,
        `${pastTtl.count} OK answers started ≥ ${(TTL_MAX_MS / 1000).toFixed(1)} s into the cut; rules_cache_requests_total{result="stale"} +${staleDuring} during the cut`,
      );
      const before = startedBetween(cached, flowingAt, cutAt);
      findings.figure(
        'cached reads (ms) before / during the cut',
        `p50 ${ms(before.p50)} / ${ms(during.p50)}, p99 ${ms(before.p99)} / ${ms(during.p99)}, max during ${ms(during.max)} (${perSecondPerApi}/s per instance)`,
      );

      // ---- uncached channels ---------------------------------------------------------------
      const probeLatency = summarize(
        probes.map((p) => p.ms),
        0,
        1,
      );
      const codes: Record<string, number> = {};
      for (const p of probes) codes[p.code] = (codes[p.code] ?? 0) + 1;
      findings.check(
        `uncached channels get UNAVAILABLE fast: every call during the cut answered code 14 within the ${DEADLINE_MS} ms deadline`,
        probes.length > 0 && probes.every((p) => p.code === UNAVAILABLE) && probeLatency.max < DEADLINE_MS,
        `${probes.length} calls, codes ${JSON.stringify(codes)}, max ${ms(probeLatency.max)} ms; slowest: ${
          probes
            .filter((p) => p.ms > 1_000)
            .map((p) => `${ms(p.ms)} ms at +${((p.startedAt - cutAt) / 1000).toFixed(1)} s`)
            .join(', ') || 'none over 1 s'
        }`,
      );
      findings.figure(
        'time to UNAVAILABLE, uncached (ms)',
        `p50 ${ms(probeLatency.p50)}, p99 ${ms(probeLatency.p99)}, max ${ms(probeLatency.max)}`,
      );

      // ---- recovery --------------------------------------------------------------------------
      const sweepFailed = sweep.filter((a) => a.code !== 0).length;
      findings.check(
        `full recovery: uncached channels OK and /health/ready 200 on both api instances within ${RECOVERY_BOUND_MS / 1000} s of the restore; no error afterwards`,
        recoveredMs < RECOVERY_BOUND_MS && sweepFailed === 0,
        `recovered ${ms(recoveredMs)} ms after the restore; final sweep of ${sweep.length} uncached calls: ${sweepFailed} failed`,
      );
      findings.figure('time to recover after the restore', `${ms(recoveredMs)} ms`);
    } finally {
      for (const client of clients) client.close();
      await stack.stop();
    }
  },
};

/** Reads every cached channel on every api instance until each answers, so L1 holds them all. */
async function warm(clients: RawRulesClient[]): Promise<void> {
  for (const client of clients)
    for (const channel of CACHED) {
      const ok = await eventually(
        async () => (await client.call('GetCoverageRules', channel, 10_000)).code === 0,
        30_000,
      );
      if (!ok) throw new Error(`${channel} not answered while warming`);
    }
}
