import { type Job, Queue } from 'bullmq';
import { runClient } from '../../bench/lib/child-json.js';
import { failedCalls, type LoadResult } from '../../bench/lib/load-result.js';
import { queueKeyPrefix } from '../../src/infrastructure/queue/queue-keys.js';
import { MetricNames } from '../../src/platform/metrics/metric-names.js';
import { PRECACHE_QUEUE, type PrecacheJobResult } from '../../src/precache/precache-job.js';
import type { ReceivedRequest } from '../../src/tools/uhd-simulator/uhd-simulator.js';
import type { ProfileName, Scenario, ScenarioContext } from '../lib/scenario.js';
import { INTERNAL_TOKEN, Stack, sleep } from '../lib/stack.js';

interface Plan {
  /** Sign-ins a second, each a new user and so a new job, for `seconds`. */
  rate: number;
  seconds: number;
  /** Every upstream answer takes exactly this long, so jobs are in flight when the worker dies. */
  latencyMs: number;
  /** How long every enqueued job gets to complete after the load ends. */
  drainTimeoutMs: number;
}

const PLANS: Record<ProfileName, Plan> = {
  short: { rate: 4, seconds: 6, latencyMs: 2_500, drainTimeoutMs: 45_000 },
  full: { rate: 10, seconds: 30, latencyMs: 3_000, drainTimeoutMs: 120_000 },
};

/** Timers fire a little late: an answer may come this much after the configured latency. */
const TIMER_SLACK_MS = 150;

/**
 * The worker process is SIGKILLed while precache jobs are waiting on a slow upstream, and started
 * again while sign-ins go on. Its active jobs must be recovered as stalled (their locks expire)
 * and complete; every enqueued job must end completed; and no job may ever run twice at once,
 * which the upstream itself would see as two requests for the same user's resource in flight
 * together.
 */
export const workerKill: Scenario = {
  id: 'worker-kill',
  title: 'Worker SIGKILLed mid-job',
  async run(context: ScenarioContext) {
    const { findings, log } = context;
    const plan = PLANS[context.profile.name];
    const stack = await Stack.start({
      label: 'worker-kill',
      channels: 10,
      logDir: context.logDir,
      // The same latency for a cached answer as for a miss: a request's start is its answer time
      // minus the latency, whichever it was. The request log is what shows runs overlapping.
      simulator: {
        'record-limit': 100_000,
        'miss-latency-ms': plan.latencyMs,
        'miss-jitter-ms': 0,
        'hit-latency-ms': plan.latencyMs,
        'hit-jitter-ms': 0,
      },
    });
    const queue = new Queue(PRECACHE_QUEUE, {
      prefix: queueKeyPrefix(stack.env.REDIS_KEY_PREFIX),
      connection: { host: '127.0.0.1', port: stack.redis!.port },
    });
    try {
      const load = runClient<LoadResult>('sign-in-load', {
        url: stack.apis[0].httpUrl,
        token: INTERNAL_TOKEN,
        mode: 'rate',
        rate: plan.rate,
        seconds: plan.seconds,
        warmup: 0,
      });

      // Awaited below; until then a failure must not count as an unhandled rejection.
      load.catch(() => undefined);

      // Kill once a few jobs are active and at least one has been at it for a while (mid-request).
      const wanted = Math.max(2, Math.floor(plan.rate / 2));
      const deadline = Date.now() + plan.seconds * 1000;
      for (;;) {
        const active = await queue.getActive();
        const busy = active.filter((j) => j.processedOn && Date.now() - j.processedOn > plan.latencyMs / 3);
        if (active.length >= wanted && busy.length > 0) break;
        if (Date.now() > deadline) throw new Error('no job became active: the worker never picked one up');
        await sleep(100);
      }
      await stack.worker.stop('SIGKILL');
      const killedAt = Date.now();
      // Whatever is still active now belonged to the dead process: nothing else can finish it.
      const killed = await queue.getActive();
      log(`worker SIGKILLed with ${killed.length} job(s) active`);
      await stack.worker.start();
      const restartedAt = Date.now();
      log(`worker started again after ${((restartedAt - killedAt) / 1000).toFixed(1)} s`);

      const signIns = await load;
      const signInErrors = failedCalls(signIns);
      const enqueued = () => stack.metric(MetricNames.precacheJobsEnqueuedTotal, {}, stack.apis);
      const drainDeadline = Date.now() + plan.drainTimeoutMs;
      let counts = await queue.getJobCounts();
      for (;;) {
        counts = await queue.getJobCounts();
        const unfinished =
          (counts.waiting ?? 0) + (counts.active ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0);
        if (unfinished === 0 && (counts.completed ?? 0) + (counts.failed ?? 0) >= (await enqueued())) break;
        if (Date.now() > drainDeadline) break;
        await sleep(250);
      }
      const drainedAt = Date.now();
      const enqueuedTotal = await enqueued();
      // The sign-ins that made no job, so the count of jobs can be read against the sign-ins.
      const [deduplicated, skipped, enqueueFailed] = await Promise.all(
        [
          MetricNames.precacheJobsDeduplicatedTotal,
          MetricNames.precacheJobsSkippedTotal,
          MetricNames.precacheJobsEnqueueFailedTotal,
        ].map((name) => stack.metric(name, {}, stack.apis)),
      );
      const jobs = (await queue.getJobs(
        ['completed', 'failed', 'waiting', 'active', 'delayed', 'prioritized', 'waiting-children'],
        0,
        -1,
      )) as Array<Job<unknown, PrecacheJobResult>>;
      const states = await Promise.all(jobs.map((j) => j.getState()));
      const completedFully = jobs.filter(
        (j, i) => states[i] === 'completed' && j.returnvalue?.outcome === 'completed',
      );
      const notCompleted = jobs.length - completedFully.length;

      const recovered = await Promise.all(killed.map((j) => queue.getJob(j.id!)));
      const recoveredOk = recovered.filter(
        (j): j is Job<unknown, PrecacheJobResult> =>
          j !== undefined &&
          (j.stalledCounter ?? 0) >= 1 &&
          j.returnvalue?.outcome === 'completed' &&
          (j.finishedOn ?? 0) > killedAt,
      );
      const recoverySeconds = recoveredOk.map((j) => ((j.finishedOn ?? 0) - killedAt) / 1000);

      const overlap = concurrentRuns(await simulatorRequests(stack.simulator.url), plan.latencyMs);

      findings.check(
        'the worker died holding active jobs (the fault happened mid-job)',
        killed.length > 0,
        `${killed.length} job(s) active at the SIGKILL`,
      );
      findings.check(
        'every job active at the kill is recovered as stalled and completes',
        killed.length > 0 && recoveredOk.length === killed.length,
        `${recoveredOk.length} of ${killed.length} completed with stalledCounter >= 1 after the kill; ${jobStates(recovered)}`,
      );
      findings.check(
        'no job lost: every enqueued job ends completed (all six resources warmed)',
        enqueuedTotal > 0 && jobs.length === enqueuedTotal && notCompleted === 0,
        `${MetricNames.precacheJobsEnqueuedTotal} ${enqueuedTotal} of ${signIns.latencies.length} sign-ins (deduplicated ${deduplicated}, skipped ${skipped}, enqueue failed ${enqueueFailed}); in the queue ${jobs.length}, completed fully ${completedFully.length}; counts ${JSON.stringify(counts)}`,
      );
      findings.check(
        'no job runs twice at once: the upstream never has two requests for the same user and resource in flight together',
        overlap.overlapping === 0 && overlap.requests > 0,
        `${overlap.requests} resource requests answered for ${overlap.users} users; ${overlap.repeated} user-resource pairs answered more than once, ${overlap.overlapping} overlapping in time (a request cut by the kill is never answered, so a re-run shows once)`,
      );
      findings.check(
        'sign-ins all answered while the worker was down',
        signInErrors === 0 && signIns.latencies.length > 0,
        `${signIns.latencies.length} answered 201, ${signInErrors} failed`,
      );

      findings.figure('jobs enqueued / completed', `${enqueuedTotal} / ${completedFully.length}`);
      findings.figure('jobs active at the kill', String(killed.length));
      findings.figure(
        'worker restart (SIGKILL to ready)',
        `${((restartedAt - killedAt) / 1000).toFixed(1)} s`,
      );
      findings.figure(
        'killed jobs completed after the kill',
        recoverySeconds.length === 0
          ? 'none'
          : `${Math.min(...recoverySeconds).toFixed(1)}–${Math.max(...recoverySeconds).toFixed(1)} s (lock ${stack.env.PRECACHE_LOCK_DURATION_MS} ms, stalled check every ${stack.env.PRECACHE_STALLED_INTERVAL_MS} ms, upstream ${plan.latencyMs} ms)`,
      );
      findings.figure('queue drained', `${((drainedAt - killedAt) / 1000).toFixed(1)} s after the kill`);
    } finally {
      await queue.close();
      await stack.stop();
    }
  },
};

function jobStates(jobs: Array<Job<unknown, PrecacheJobResult> | undefined>): string {
  const shown = jobs
    .slice(0, 5)
    .map((j) =>
      j
        ? `stalled ${j.stalledCounter ?? 0}x, attempts ${j.attemptsMade}, ${j.returnvalue?.outcome ?? 'no result'}`
        : 'gone',
    );
  return `${shown.join('; ')}${jobs.length > 5 ? '; …' : ''}`;
}

async function simulatorRequests(url: string): Promise<ReceivedRequest[]> {
  const response = await fetch(`${url}/_sim/requests`);
  if (!response.ok) throw new Error(`simulator request log answered ${response.status}`);
  return (await response.json()) as ReceivedRequest[];
}

/**
 * Answered resource reads grouped by user and resource; each took exactly `latencyMs`, so it was
 * in flight over [answered - latencyMs, answered]. Two of one group overlapping means two runs of
 * that user's job were at the upstream at once. A request cut by the kill is never answered, so
 * it is not in the log: it cannot overlap anything, its process being gone.
 */
function concurrentRuns(requests: ReceivedRequest[], latencyMs: number) {
  const groups = new Map<string, number[]>();
  let count = 0;
  for (const request of requests) {
    if (request.method !== 'GET' || request.status !== 200) continue;
    const url = new URL(request.url, 'http://simulator');
    const key = `${url.searchParams.get('patientId')}|${url.pathname}`;
    const times = groups.get(key) ?? [];
    times.push(request.at);
    groups.set(key, times);
    count += 1;
  }
  let repeated = 0;
  let overlapping = 0;
  for (const times of groups.values()) {
    if (times.length < 2) continue;
    repeated += 1;
    times.sort((a, b) => a - b);
    for (let i = 1; i < times.length; i++)
      if (times[i] - times[i - 1] < latencyMs - TIMER_SLACK_MS) overlapping += 1;
  }
  const users = new Set([...groups.keys()].map((k) => k.split('|')[0])).size;
  return { requests: count, users, repeated, overlapping };
}
