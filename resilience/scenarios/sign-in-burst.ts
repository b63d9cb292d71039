import { runClient } from '../../bench/lib/child-json.js';
import { answeredCalls, failedCalls, type LoadResult } from '../../bench/lib/load-result.js';
import { ms, summarize } from '../../bench/lib/stats.js';
import { MetricNames as M } from '../../src/platform/metrics/metric-names.js';
import type { Scenario } from '../lib/scenario.js';
import { INTERNAL_TOKEN, Stack, sleep } from '../lib/stack.js';

/** Jobs a second the worker may start; each job makes six upstream requests. */
const JOBS_PER_SECOND = 150;
const UPSTREAM_LIMIT = JOBS_PER_SECOND * 6;

/**
 * Seed 000's load test: 100 concurrent sign-ins, then a burst (10,000 in the full profile),
 * spread over both api instances by client processes. Every sign-in must be answered, every
 * one accounted for, the queue must drain, and the upstream must never see more requests in
 * a second than the limiter allows.
 */
export const signInBurst: Scenario = {
  id: 'sign-in-burst',
  title: '100 concurrent sign-ins, then a burst',
  async run({ profile, logDir, findings, log }) {
    const burst = profile.name === 'full' ? 10_000 : 2_000;
    const stack = await Stack.start({
      label: 'burst',
      channels: 5,
      logDir,
      env: { PRECACHE_CONCURRENCY: '100', PRECACHE_MAX_JOBS_PER_SECOND: String(JOBS_PER_SECOND) },
    });
    try {
      await stack.simulator.reset();
      const signIns = (count: number, concurrency: number) =>
        Promise.all(
          stack.apis.map((api) =>
            runClient<LoadResult>('sign-in-load', {
              url: api.httpUrl,
              token: INTERNAL_TOKEN,
              mode: 'burst',
              count: count / stack.apis.length,
              concurrency: concurrency / stack.apis.length,
            }),
          ),
        );

      log('100 concurrent sign-ins ...');
      const concurrent = await signIns(100, 100);
      findings.check(
        '100 concurrent sign-ins all answered 201',
        answeredCalls(concurrent) === 100 && failedCalls(concurrent) === 0,
        `${answeredCalls(concurrent)} answered, ${failedCalls(concurrent)} failed`,
      );

      log(`burst of ${burst} ...`);
      const started = performance.now();
      const flood = await signIns(burst, 64);
      const answerSeconds = (performance.now() - started) / 1000;
      findings.check(
        `the burst of ${burst} all answered 201`,
        answeredCalls(flood) === burst && failedCalls(flood) === 0,
        `${answeredCalls(flood)} answered in ${answerSeconds.toFixed(1)} s, ${failedCalls(flood)} failed ${JSON.stringify(flood.flatMap((r) => Object.entries(r.errors)))}`,
      );

      // A sign-in that was not answered 201 started no pre-cache decision; every one that was, made one.
      const total = answeredCalls(concurrent) + answeredCalls(flood);
      const enqueued = await stack.metric(M.precacheJobsEnqueuedTotal, {}, stack.apis);
      const skipped = await stack.metric(M.precacheJobsSkippedTotal, {}, stack.apis);
      const deduplicated = await stack.metric(M.precacheJobsDeduplicatedTotal, {}, stack.apis);
      const enqueueFailed = await stack.metric(M.precacheJobsEnqueueFailedTotal, {}, stack.apis);
      findings.check(
        'sign-ins answered = enqueued + skipped + deduplicated + enqueue_failed',
        enqueued + skipped + deduplicated + enqueueFailed === total,
        `${total} = ${enqueued} + ${skipped} + ${deduplicated} + ${enqueueFailed}`,
      );

      log('waiting for the queue to drain ...');
      const deadline = Date.now() + (profile.name === 'full' ? 300_000 : 120_000);
      let finished = 0;
      let peakWaiting = 0;
      while (Date.now() < deadline) {
        finished = await stack.metric(M.precacheJobsTotal, {}, [stack.worker]);
        peakWaiting = Math.max(
          peakWaiting,
          await stack.metric(M.precacheQueueJobs, { state: 'waiting' }, [stack.worker]),
        );
        if (finished >= enqueued) break;
        await sleep(500);
      }
      const drainSeconds = (performance.now() - started) / 1000;
      const completed = await stack.metric(M.precacheJobsTotal, { outcome: 'completed' }, [stack.worker]);
      findings.check(
        'the queue drains: every enqueued job finished, all completed',
        finished === enqueued && completed === enqueued,
        `${finished} of ${enqueued} finished (${completed} completed) ${drainSeconds.toFixed(1)} s after the burst began`,
      );

      const stats = await stack.simulator.stats();
      findings.check(
        `upstream rate never above the limit (${JOBS_PER_SECOND} jobs/s × 6 = ${UPSTREAM_LIMIT} requests/s)`,
        stats.maxResourceRequestsInAnySecond <= UPSTREAM_LIMIT,
        `peak ${stats.maxResourceRequestsInAnySecond} requests in any 1 s`,
      );

      const latency = summarize(
        flood.flatMap((r) => r.latencies),
        0,
        1,
      );
      findings.figure(
        'burst sign-in latency (ms)',
        `p50 ${ms(latency.p50)}, p99 ${ms(latency.p99)}, max ${ms(latency.max)}`,
      );
      findings.figure(
        'burst answered in',
        `${answerSeconds.toFixed(1)} s (${Math.round(burst / answerSeconds)} sign-ins/s over two api instances)`,
      );
      findings.figure('queue drained in', `${drainSeconds.toFixed(1)} s; peak waiting ${peakWaiting}`);
      findings.figure(
        'upstream',
        `${Object.values(stats.requests.byResource).reduce((a, b) => a + b, 0)} resource requests, peak ${stats.maxResourceRequestsInAnySecond}/s vs limit ${UPSTREAM_LIMIT}/s`,
      );
    } finally {
      await stack.stop();
    }
  },
};
