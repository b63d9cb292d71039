import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createConnection } from 'mysql2/promise';
import { SEEDED_CHANNELS } from '../../../src/infrastructure/database/seed/replica-generator.js';
import { MetricNames } from '../../../src/platform/metrics/metric-names.js';
import { globalStatus } from '../../../test/support/mariadb.js';
import { serviceEnv } from '../../lib/bench-env.js';
import { startClient } from '../../lib/child-json.js';
import { failedCalls, type LoadResult } from '../../lib/load-result.js';
import { metric } from '../../lib/prometheus.js';
import { deleteByPrefix } from '../../lib/redis-memory.js';
import { table } from '../../lib/report.js';
import { type ServiceProcess, startService } from '../../lib/service-process.js';
import { ms, summarize } from '../../lib/stats.js';

const REQUESTS_PER_INSTANCE = 100;
/** Past the old 2 s wait for another instance's load, inside the 5 s statement timeout. */
const LOCK_MS = 3_500;
/** Statements one coverage load runs (channel, provisioning, contract page, its prefixes). */
const SELECTS_PER_COVERAGE_LOAD = 4;

const databaseLoads = async (instances: ServiceProcess[]) =>
  (
    await Promise.all(
      instances.map((i) => metric(i.httpUrl, MetricNames.rulesDbLoadsTotal, { kind: 'coverage_rules' })),
    )
  ).reduce((a, b) => a + b, 0);

/**
 * Cross-instance single flight under a slow database: two instances sharing Redis and MariaDB;
 * another MariaDB session holds `LOCK TABLES sc_benefit_contract WRITE` for 3.5 s while 200 cold
 * requests for one channel arrive, 100 at each instance; then the lock goes and every load runs.
 */
export async function singleFlightSlowDatabase(databaseUrl: string): Promise<string> {
  const shared = { DATABASE_URL: databaseUrl, REDIS_KEY_PREFIX: `bench${randomBytes(3).toString('hex')}:` };
  const instances = [
    await startService(await serviceEnv(shared)),
    await startService(await serviceEnv(shared)),
  ];
  const lock = await createConnection({ uri: databaseUrl });
  try {
    const loadsBefore = await databaseLoads(instances);
    const selectsBefore = await globalStatus('Com_select');
    await lock.query('LOCK TABLES sc_benefit_contract WRITE');
    const lockedAt = Date.now();
    const clients = instances.map((instance) =>
      startClient<LoadResult>('grpc-load', {
        address: instance.grpcAddress,
        channels: SEEDED_CHANNELS.large,
        burst: REQUESTS_PER_INSTANCE,
        deadlineMs: 30_000,
      }),
    );
    await sleep(lockedAt + LOCK_MS - Date.now());
    await lock.query('UNLOCK TABLES');
    const unlockedAt = Date.now();
    const results = await Promise.all(clients.map((c) => c.result));
    const loads = (await databaseLoads(instances)) - loadsBefore;
    const selects = (await globalStatus('Com_select')) - selectsBefore;

    const s = summarize(
      results.flatMap((r) => r.latencies),
      failedCalls(results),
      1,
    );
    const lastSent = Math.max(...results.map((r) => r.originEpochMs));
    return [
      '### Cross-instance single flight under a slow database',
      '',
      `Two instances sharing Redis and MariaDB, 3,351-contract channel cold. A separate MariaDB session holds \`LOCK TABLES sc_benefit_contract WRITE\` for ${LOCK_MS / 1000} s (past the old 2 s wait for another instance's load, inside the 5 s statement timeout); ${REQUESTS_PER_INSTANCE} concurrent requests go to each instance during it (the last client sent its burst ${((lastSent - lockedAt) / 1000).toFixed(1)} s into the lock, ${((unlockedAt - lastSent) / 1000).toFixed(1)} s before the unlock). Loads = \`${MetricNames.rulesDbLoadsTotal}\` summed over both instances' /metrics; the MariaDB server's \`Com_select\` delta ÷ ${SELECTS_PER_COVERAGE_LOAD} is shown beside it (it also counts any other client of the server).`,
      '',
      table(
        ['requests', 'database loads', 'Com_select Δ ÷ 4', 'errors', 'p50 ms', 'max ms'],
        [
          [
            2 * REQUESTS_PER_INSTANCE,
            loads,
            (selects / SELECTS_PER_COVERAGE_LOAD).toFixed(1),
            s.errors,
            ms(s.p50),
            ms(s.max),
          ],
        ],
      ),
      '',
      `- Target: 1 database load for the 200 requests: ${loads === 1 ? 'met' : 'NOT met'} (${loads}); ${s.errors} errors.`,
    ].join('\n');
  } finally {
    await lock.query('UNLOCK TABLES').catch(() => undefined);
    await lock.end();
    for (const instance of instances) await instance.stop();
    await deleteByPrefix([`${shared.REDIS_KEY_PREFIX}*`]);
  }
}
