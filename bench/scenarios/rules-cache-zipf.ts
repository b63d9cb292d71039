import { loadConfig } from '../../src/config/load-config.js';
import { channelIdFor } from '../../src/infrastructure/database/seed/replica-generator.js';
import { SeededRandom } from '../../src/infrastructure/database/seed/seeded-random.js';
import { FakeClock, FakeRandom } from '../../test/support/fakes/fake-clock.js';
import { MemoryL2Store } from '../../test/support/fakes/memory-l2.store.js';
import { MemoryPubSub, tieredCacheInstance } from '../../test/support/fakes/tiered-cache-parts.js';
import { table } from '../lib/report.js';

const CHANNELS = 1_000;
const SIMULATED_SECONDS = 3_600;
const LOAD_MS = 30;

/**
 * An hour of Zipf(1.1) traffic over 1,000 channels, run through the real cache engine
 * (TieredCache over cache-manager, L1, the L2 tier with its envelope codec) on a simulated clock, with an
 * in-memory Redis and a counting loader standing in for MariaDB. default settings (10-minute TTL
 * with ±10% jitter, fresh for 90% of it, stale-while-revalidate, XFetch β = 1).
 */
async function simulate(requestsPerSecond: number) {
  const clock = new FakeClock();
  const random = new FakeRandom();
  const rng = new SeededRandom(7);
  random.next = () => rng.next();
  const { cache, metric } = await tieredCacheInstance(
    { clock, random, store: new MemoryL2Store(clock), pubsub: new MemoryPubSub() },
    loadConfig({}).rulesCache,
  );
  const weights = Array.from({ length: CHANNELS }, (_, i) => 1 / (i + 1) ** 1.1);
  const total = weights.reduce((a, b) => a + b, 0);
  let acc = 0;
  const cdf = weights.map((w) => (acc += w / total));
  const pick = () => {
    const r = rng.next();
    let lo = 0;
    let hi = CHANNELS - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < r) lo = mid + 1;
      else hi = mid;
    }
    return channelIdFor(lo + 1);
  };
  let loads = 0;
  const payload = Buffer.alloc(2_000, 7);
  const loader = async () => {
    loads += 1;
    clock.advance(LOAD_MS);
    return payload;
  };
  const start = clock.now();
  const requests = requestsPerSecond * SIMULATED_SECONDS;
  for (let i = 0; i < requests; i++) {
    const due = start + (i * 1000) / requestsPerSecond;
    if (clock.now() < due) clock.advance(due - clock.now());
    await cache.get('coverage_rules', pick(), loader);
  }
  await new Promise((r) => setImmediate(r));
  const served = (await metric('requests')) - (await metric('requests', { result: 'miss' }));
  return { requestsPerSecond, requests, loads, hitRate: served / requests, reduction: 1 - loads / requests };
}

export async function zipfSimulationReport(): Promise<string> {
  const rows: Array<Array<string | number>> = [];
  let at200 = { hitRate: 0, reduction: 0 };
  for (const rate of [50, 200, 500]) {
    process.stderr.write(`  rules-cache: Zipf simulation at ${rate} req/s ...\n`);
    const r = await simulate(rate);
    if (rate === 200) at200 = r;
    rows.push([
      rate,
      r.requests.toLocaleString('en-US'),
      r.loads.toLocaleString('en-US'),
      `${(100 * r.hitRate).toFixed(2)}%`,
      `${(100 * r.reduction).toFixed(2)}%`,
    ]);
  }
  return [
    '### Zipf(1.1) over 1,000 channels, one simulated hour, 10-minute TTL',
    '',
    'The real cache engine on a simulated clock (in-memory Redis, counting loader standing in for the database, 30 ms per load). Hit rate = answers not loaded for the caller (L1, L2, stale, negative) over all requests; reduction = 1 − loads / requests, loads including background refreshes.',
    '',
    table(['req/s', 'requests', 'database loads', 'hit rate', 'query reduction'], rows),
    '',
    `- Target 99% or more for both: at 200 req/s ${at200.hitRate >= 0.99 && at200.reduction >= 0.99 ? 'met' : 'NOT met'}. The floor is set by the TTL: each of 1,000 channels is loaded about 6–7 times an hour however little it is asked for, so below about 150 req/s the tail's misses cap the reduction under 99% (the seed's target is 80%).`,
  ].join('\n');
}
