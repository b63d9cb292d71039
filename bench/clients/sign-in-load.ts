import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

/**
 * Sign-ins against POST /v0/sign-ins, in its own process, each by a different user (a web
 * client at a VA facility unless told otherwise). `--mode rate`: open loop, `--rate` a second
 * for `--seconds` after `--warmup` seconds (latency unaffected by how fast answers come back).
 * `--mode burst`: `--count` sign-ins as fast as `--concurrency` callers can send them.
 * Prints latencies (ms), their start offsets (ms) from `originEpochMs` (wall clock), error counts
 * and elapsed seconds as JSON.
 */
const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    token: { type: 'string' },
    mode: { type: 'string', default: 'rate' },
    rate: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    count: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '16' },
    clientId: { type: 'string', default: 'vaweb' },
  },
});

const run = randomBytes(3).toString('hex');
let sequence = 0;

function nextUser() {
  const i = sequence++;
  return JSON.stringify({
    userUuid: `bench-${run}-${i}`,
    icn: `${String(1_000_000_000 + ((i * 7919) % 8_999_999_999)).slice(0, 10)}V${String(100_000 + (i % 900_000))}`,
    email: `bench.${run}.${i}@example.com`,
    clientId: values.clientId,
    vaTreatmentFacilityIds: ['983'],
  });
}

async function main() {
  const url = new URL(values.url!);
  const pool = new Pool(url.origin, { connections: Math.max(Number(values.concurrency), 64) });
  const headers = { authorization: `Bearer ${values.token}`, 'content-type': 'application/json' };
  const latencies: number[] = [];
  const startsMs: number[] = [];
  const errors: Record<string, number> = {};
  const origin = performance.now();
  const originEpochMs = Date.now();

  const signIn = async (measure: boolean) => {
    const started = performance.now();
    try {
      const response = await pool.request({
        path: '/v0/sign-ins',
        method: 'POST',
        headers,
        body: nextUser(),
      });
      await response.body.dump();
      if (response.statusCode !== 201) throw new Error(`HTTP ${response.statusCode}`);
      if (measure) {
        latencies.push(performance.now() - started);
        startsMs.push(started - origin);
      }
    } catch (error) {
      const key = error instanceof Error ? error.message : String(error);
      errors[key] = (errors[key] ?? 0) + 1;
    }
  };

  let measuredFrom = origin;
  if (values.mode === 'burst') {
    const count = Number(values.count);
    let issued = 0;
    await Promise.all(
      Array.from({ length: Number(values.concurrency) }, async () => {
        while (issued < count) {
          issued += 1;
          await signIn(true);
        }
      }),
    );
  } else {
    const interval = 1000 / Number(values.rate);
    const warmupEnd = Number(values.warmup) * 1000;
    const end = warmupEnd + Number(values.seconds) * 1000;
    measuredFrom = origin + warmupEnd;
    const inFlight: Promise<void>[] = [];
    for (let i = 0; ; i++) {
      const due = i * interval;
      if (due >= end) break;
      const wait = origin + due - performance.now();
      // Behind schedule, still yield once per request: answers (and their deadlines) are handled
      // in between, instead of a burst of sends starving them.
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      else await new Promise((r) => setImmediate(r));
      inFlight.push(signIn(due >= warmupEnd));
    }
    await Promise.all(inFlight);
  }
  const seconds = (performance.now() - measuredFrom) / 1000;
  process.stdout.write(JSON.stringify({ latencies, startsMs, errors, seconds, originEpochMs }));
  await pool.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
