import { parseArgs } from 'node:util';
import type { RulesMethod } from '../../src/rules/rules.proto.js';
import { RawRulesClient } from '../lib/raw-grpc.js';

/**
 * A gRPC load client in its own process. Closed loop: `concurrency` callers each send the next
 * request as soon as the last is answered, for `seconds` (or one `burst` of N concurrent
 * requests), or open loop at `rate` requests a second (latency unaffected by how fast answers come
 * back). Channels are taken round-robin, or Zipf-distributed with `--zipf s`. Prints, as
 * JSON, every request's start offset and latency (ms) and every error's code and offset, the
 * offsets counted from `originEpochMs` (wall clock, so a caller can line them up with its events).
 * SIGINT ends a closed-loop run early (the calls in flight finish, then it prints as usual), for a
 * caller that drives load until something else it does is over.
 */
const { values } = parseArgs({
  options: {
    address: { type: 'string' },
    method: { type: 'string', default: 'GetCoverageRules' },
    channels: { type: 'string' },
    concurrency: { type: 'string', default: '1' },
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '0' },
    burst: { type: 'string', default: '0' },
    rate: { type: 'string', default: '0' },
    zipf: { type: 'string', default: '0' },
    deadlineMs: { type: 'string', default: '5000' },
  },
});

function zipfPicker(count: number, s: number, random = Math.random): () => number {
  const weights = Array.from({ length: count }, (_, i) => 1 / (i + 1) ** s);
  const total = weights.reduce((a, b) => a + b, 0);
  let acc = 0;
  const cdf = weights.map((w) => (acc += w / total));
  return () => {
    const r = random();
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < r) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

let stopAt = Number.POSITIVE_INFINITY;
process.once('SIGINT', () => {
  stopAt = Date.now();
});

async function main() {
  const client = new RawRulesClient(values.address!);
  const method = values.method as RulesMethod;
  const channels = values.channels!.split(',');
  const deadlineMs = Number(values.deadlineMs);
  const zipf = Number(values.zipf);
  let next = 0;
  const pick =
    zipf > 0
      ? (() => {
          const p = zipfPicker(channels.length, zipf);
          return () => channels[p()];
        })()
      : () => channels[next++ % channels.length];

  const warmupEnd = Date.now() + Number(values.warmup) * 1000;
  while (Date.now() < warmupEnd) await client.call(method, pick(), deadlineMs);

  const latencies: number[] = [];
  const startsMs: number[] = [];
  const errors: Record<string, number> = {};
  const errorStartsMs: number[] = [];
  const origin = process.hrtime.bigint();
  const originEpochMs = Date.now();
  const one = async () => {
    const started = process.hrtime.bigint();
    const { code } = await client.call(method, pick(), deadlineMs);
    const finished = process.hrtime.bigint();
    if (code === 0) {
      latencies.push(Number(finished - started) / 1e6);
      startsMs.push(Number(started - origin) / 1e6);
    } else {
      errors[code] = (errors[code] ?? 0) + 1;
      errorStartsMs.push(Number(started - origin) / 1e6);
    }
  };

  const burst = Number(values.burst);
  const rate = Number(values.rate);
  if (burst > 0) {
    await Promise.all(Array.from({ length: burst }, one));
  } else if (rate > 0) {
    const interval = 1000 / rate;
    const started = performance.now();
    const end = Number(values.seconds) * 1000;
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i * interval < end; i++) {
      const wait = started + i * interval - performance.now();
      // Behind schedule, still yield once per request: answers (and their deadlines) are handled
      // in between, instead of a burst of sends starving them.
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      else await new Promise((r) => setImmediate(r));
      inFlight.push(one());
    }
    await Promise.all(inFlight);
  } else {
    const end = Date.now() + Number(values.seconds) * 1000;
    await Promise.all(
      Array.from({ length: Number(values.concurrency) }, async () => {
        while (Date.now() < Math.min(end, stopAt)) await one();
      }),
    );
  }
  const seconds = Number(process.hrtime.bigint() - origin) / 1e9;
  process.stdout.write(
    JSON.stringify({ latencies, startsMs, errors, errorStartsMs, seconds, originEpochMs }),
  );
  client.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
