import { failedCalls } from '../../bench/lib/load-result.js';
import { sampleSum } from '../../bench/lib/prometheus.js';
import { median, ms, summarize } from '../../bench/lib/stats.js';
import { grpcLoadOnEach } from '../lib/load.js';
import { CollectedMemory, type Memory, MIB, NODE_OPTIONS_WITH_INSPECTOR } from '../lib/process-memory.js';
import type { Scenario } from '../lib/scenario.js';
import { type Instance, Stack, sleep } from '../lib/stack.js';

interface Sample {
  atSeconds: number;
  rssBytes: number;
  lagP99Seconds: number;
}

/**
 * Steady open-loop gRPC load on both api instances (5 minutes in the full profile), with the
 * cache TTL short enough that entries expire and refresh throughout. Memory is measured after a
 * forced full GC (through each process's inspector) once warm-up is over and again at the end:
 * without one, RSS follows V8's lazy old-space collection, tens of MiB either way. RSS and
 * event-loop lag are also sampled from each instance's /metrics every 2 s, for the lag check and
 * the uncollected RSS trend.
 */
export const soak: Scenario = {
  id: 'soak',
  title: 'Soak at steady gRPC load',
  async run({ profile, logDir, findings, log }) {
    const full = profile.name === 'full';
    const seconds = full ? 300 : 30;
    // The baseline is taken once RSS has settled: L1 filled and entries refreshed a few times
    // over (each refresh leaves the old answer's buffers to the GC).
    const ttlSeconds = full ? 20 : 5;
    const warmupSeconds = full ? 30 : 15;
    const ratePerInstance = 40;
    const stack = await Stack.start({
      label: 'soak',
      channels: 60,
      logDir,
      env: { RULES_CACHE_TTL_SECONDS: String(ttlSeconds), NODE_OPTIONS: NODE_OPTIONS_WITH_INSPECTOR },
    });
    const memory = new CollectedMemory();
    try {
      const channels = Array.from({ length: 60 }, (_, i) => `ec-${String(i + 1).padStart(4, '0')}`).join(',');
      const samples = new Map<Instance, Sample[]>(stack.apis.map((api) => [api, []]));
      let sampling = true;
      let baseline: Promise<Memory[]> | undefined;
      const sampler = (async () => {
        const origin = performance.now();
        while (sampling) {
          if (!baseline && performance.now() - origin >= warmupSeconds * 1000) {
            baseline = memory.of(stack.apis);
            baseline.catch(() => undefined); // awaited (and its failure reported) after the load
          }
          for (const api of stack.apis) {
            const page = await api.metrics().catch(() => '');
            if (!page) continue;
            samples.get(api)!.push({
              atSeconds: (performance.now() - origin) / 1000,
              rssBytes: sampleSum(page, 'process_resident_memory_bytes'),
              lagP99Seconds: sampleSum(page, 'nodejs_eventloop_lag_p99_seconds'),
            });
          }
          await sleep(2_000);
        }
      })();

      log(`${seconds + warmupSeconds} s at ${ratePerInstance} RPC/s on each api instance ...`);
      const results = (
        await Promise.all(
          ['GetCoverageRules', 'GetPopulationMembershipRules'].map((method) =>
            grpcLoadOnEach(stack.apis, {
              method,
              channels,
              rate: ratePerInstance / 2,
              seconds: seconds + warmupSeconds,
            }),
          ),
        )
      ).flat();
      sampling = false;
      await sampler;
      const before = await baseline!;
      const after = await memory.of(stack.apis);

      const errors = failedCalls(results);
      const latency = summarize(
        results.flatMap((r) => r.latencies.filter((_, i) => r.startsMs[i] >= warmupSeconds * 1000)),
        errors,
        seconds + warmupSeconds,
      );
      findings.check('no failed RPC', errors === 0, `${latency.count} answered, ${errors} failed`);

      for (const [i, [api, series]] of [...samples].entries()) {
        const settled = series.filter((s) => s.atSeconds >= warmupSeconds);
        const window = Math.max(3, Math.floor(settled.length / 5));
        const first = settled.slice(0, window);
        const last = settled.slice(-window);
        const growth = after[i].rss / before[i].rss - 1;
        const rss = `${mib(before[i].rss)} → ${mib(after[i].rss)} MiB (${(growth * 100).toFixed(1)}%), live heap ${mib(before[i].heapUsed)} → ${mib(after[i].heapUsed)} MiB; uncollected, sampled: ${mib(median(first.map((s) => s.rssBytes)))} → ${mib(median(last.map((s) => s.rssBytes)))} MiB`;
        // Over the short profile's half minute, what a forced GC leaves still moves by a few MiB
        // with malloc's arenas and V8's committed pages, more than a leak could add: only the
        // 5-minute soak can tell, so only it asserts.
        if (full) findings.check(`${api.name}: RSS growth under 10% (after a full GC)`, growth < 0.1, rss);
        else
          findings.figure(
            `${api.name}: RSS over ${seconds} s after a full GC (asserted in the full profile)`,
            rss,
          );
        // Lag is noisy on a shared 2-core machine: compare medians of the first and last fifth,
        // and call it a rise only past 50% and 5 ms (a leak or a growing backlog is far more).
        const lagBefore = median(first.map((s) => s.lagP99Seconds)) * 1000;
        const lagAfter = median(last.map((s) => s.lagP99Seconds)) * 1000;
        findings.check(
          `${api.name}: no rise in event-loop lag (p99)`,
          lagAfter <= Math.max(lagBefore * 1.5, lagBefore + 5),
          `median p99 ${ms(lagBefore)} → ${ms(lagAfter)} ms over ${settled.length} samples`,
        );
      }
      findings.figure(
        'duration',
        `${seconds} s measured after ${warmupSeconds} s warm-up, ${ratePerInstance * 2} RPC/s in all`,
      );
      findings.figure(
        'RPC latency (ms)',
        `p50 ${ms(latency.p50)}, p99 ${ms(latency.p99)}, max ${ms(latency.max)}, ${Math.round(latency.perSecond)}/s`,
      );
    } finally {
      memory.close();
      await stack.stop();
    }
  },
};

const mib = (bytes: number) => (bytes / MIB).toFixed(1);
