import { setTimeout as sleep } from 'node:timers/promises';
import { SEEDED_CHANNELS } from '../../../src/infrastructure/database/seed/replica-generator.js';
import { freePort } from '../../../test/support/ports.js';
import { serviceEnv } from '../../lib/bench-env.js';
import { grpcHealthCheck } from '../../lib/grpc-health.js';
import type { Progress } from '../../lib/progress.js';
import { RawRulesClient } from '../../lib/raw-grpc.js';
import { table } from '../../lib/report.js';
import { spawnNode } from '../../lib/service-process.js';
import { median } from '../../lib/stats.js';

const ATTEMPTS = 3;
const POLL_MS = 50;
const TARGET_MS = 5_000;
/** An attempt that has not answered by then has failed; the next attempts would only repeat it. */
const GIVE_UP_MS = 15_000;

interface Attempt {
  servingMs: number;
  firstOkMs: number;
  /** Set when the process ended by itself before answering. */
  exitCode?: number | null;
}

/** A GetCoverageRules on a new channel each time (no reconnect backoff to wait out): OK or not. */
async function rulesAnswerOk(address: string): Promise<boolean> {
  const client = new RawRulesClient(address);
  try {
    return (await client.call('GetCoverageRules', SEEDED_CHANNELS.small, 1_000)).code === 0;
  } finally {
    client.close();
  }
}

/** Spawns the built service and polls it every 50 ms from the spawn on. */
async function attempt(env: Record<string, string>): Promise<Attempt> {
  const address = `127.0.0.1:${env.GRPC_PORT}`;
  const started = performance.now();
  const service = spawnNode('dist/src/main.js', env);
  const found: Attempt = { servingMs: Number.POSITIVE_INFINITY, firstOkMs: Number.POSITIVE_INFINITY };
  try {
    for (let tick = 1; performance.now() - started < GIVE_UP_MS; tick++) {
      if (service.child.exitCode !== null) return { ...found, exitCode: service.child.exitCode };
      const [serving, ok] = await Promise.all([
        Number.isFinite(found.servingMs)
          ? true
          : grpcHealthCheck(address, 1_000).then((s) => s === 'SERVING'),
        Number.isFinite(found.firstOkMs) ? true : rulesAnswerOk(address),
      ]);
      const now = performance.now() - started;
      if (serving && !Number.isFinite(found.servingMs)) found.servingMs = now;
      if (ok && !Number.isFinite(found.firstOkMs)) found.firstOkMs = now;
      if (Number.isFinite(found.servingMs) && Number.isFinite(found.firstOkMs)) return found;
      await sleep(Math.max(0, started + tick * POLL_MS - performance.now()));
    }
    return found;
  } finally {
    // Not measuring the shutdown: a service still waiting on Redis may take its full drain budget.
    await service.stop('SIGKILL');
  }
}

/** Start with Redis unreachable: from the spawn to gRPC SERVING and to the first OK GetCoverageRules. */
export async function startWithoutRedis(databaseUrl: string, progress: Progress): Promise<string> {
  const closedPort = await freePort();
  const attempts: Attempt[] = [];
  for (let i = 0; i < ATTEMPTS; i++) {
    progress.note(`attempt ${i + 1} of ${ATTEMPTS}`);
    const result = await attempt(
      await serviceEnv({ DATABASE_URL: databaseUrl, REDIS_URL: `redis://127.0.0.1:${closedPort}` }),
    );
    attempts.push(result);
    if (!Number.isFinite(result.servingMs) || !Number.isFinite(result.firstOkMs)) break;
  }
  // What the same start costs with Redis there: the part of the figure that is not Redis's.
  const reference = await attempt(await serviceEnv({ DATABASE_URL: databaseUrl }));
  const shown = (value: number) =>
    Number.isFinite(value) ? `${(value / 1000).toFixed(2)} s` : `not within ${GIVE_UP_MS / 1000} s`;
  const serving = median(attempts.map((a) => a.servingMs));
  const firstOk = median(attempts.map((a) => a.firstOkMs));
  const skipped = ATTEMPTS - attempts.length;
  return [
    '### Start with Redis unreachable',
    '',
    `The built service (\`dist/src/main.js\`, default role) started with \`REDIS_URL\` pointing at a closed port of 127.0.0.1, on MariaDB. From the spawn, every ${POLL_MS} ms: \`grpc.health.v1.Health/Check\` (as grpc_health_probe asks it) and \`GetCoverageRules\` of a 20-contract channel, each on a new connection. Median of ${attempts.length} attempt${attempts.length === 1 ? '' : 's'}${skipped > 0 ? ` (the other ${skipped} skipped: an attempt that gives up after ${GIVE_UP_MS / 1000} s would only repeat it)` : ''}; the last row is one start with Redis reachable, for reference.`,
    '',
    table(
      ['attempt', 'spawn → SERVING', 'spawn → first OK GetCoverageRules', 'process'],
      [
        ...attempts.map((a, i) => [String(i + 1), a] as const),
        ['reference: Redis reachable', reference] as const,
      ].map(([label, a]) => [
        label,
        shown(a.servingMs),
        shown(a.firstOkMs),
        a.exitCode === undefined ? 'running' : `exited (${a.exitCode})`,
      ]),
    ),
    '',
    `- Spawn → SERVING: ${shown(serving)} (target ≤ ${TARGET_MS / 1000} s: ${serving <= TARGET_MS ? 'met' : 'NOT met'}).`,
    `- Spawn → first OK GetCoverageRules: ${shown(firstOk)} (target ≤ ${TARGET_MS / 1000} s: ${firstOk <= TARGET_MS ? 'met' : 'NOT met'}).`,
  ].join('\n');
}
