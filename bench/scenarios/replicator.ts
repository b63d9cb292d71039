import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createConnection } from 'mysql2/promise';
import { SEEDED_CHANNELS } from '../../src/infrastructure/database/seed/replica-generator.js';
import { rulesCacheKeys } from '../../src/rules-cache/rules-cache-keys.js';
import { addSyncEvent } from '../../test/support/sync-events.js';
import { seededMariaDb, serviceEnv } from '../lib/bench-env.js';
import { channelNameClient } from '../lib/channel-name-client.js';
import { table } from '../lib/report.js';
import { startService } from '../lib/service-process.js';
import { ms, percentile } from '../lib/stats.js';

const ROUNDS = 60;
const FLUSH_KEYS = 100_000;

/**
 * Issue 4's benchmark, two instances sharing Redis and MariaDB: time from XADD of a sync event
 * to the first read on the other instance that returns the new data; and a whole-kind flush
 * of 100,000 keys, with the worst Redis command latency seen by a PING loop meanwhile.
 */
export async function replicatorScenario(): Promise<string> {
  const mariadb = await seededMariaDb('replicator');
  const redis = new Redis('redis://127.0.0.1:6379');
  const prefix = `bench${randomBytes(3).toString('hex')}:`;
  const shared = {
    DATABASE_URL: mariadb.url,
    REDIS_KEY_PREFIX: prefix,
    REPLICATOR_STREAM: `${prefix}sync-events`,
    REPLICATOR_DEAD_LETTER_STREAM: `${prefix}dead-letter`,
  };
  const a = await startService(
    await serviceEnv({ ...shared, ADMIN_API_TOKEN: 'bench-admin-token-0123456789' }),
  );
  const b = await startService(await serviceEnv(shared));
  const sql = await createConnection({ uri: mariadb.url });
  const reader = channelNameClient(b.grpcAddress);
  try {
    process.stderr.write('  replicator: XADD → fresh read on the other instance ...\n');
    const freshness: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const id = SEEDED_CHANNELS.small;
      await reader.name(id); // cached on B before the change
      const name = `renamed ${round} ${randomBytes(4).toString('hex')}`;
      await sql.query('UPDATE enrollment_channel SET name = ? WHERE id = ?', [name, id]);
      const started = performance.now();
      await addSyncEvent(redis, shared.REPLICATOR_STREAM, {
        table: 'enrollment_channel',
        enrollmentChannelIds: [id],
      });
      for (;;) {
        if ((await reader.name(id)) === name) break;
        if (performance.now() - started > 10_000) throw new Error('event never applied');
        await new Promise((r) => setTimeout(r, 2));
      }
      freshness.push(performance.now() - started);
    }
    const sorted = [...freshness].sort((x, y) => x - y);

    process.stderr.write('  replicator: whole-kind flush of 100,000 keys ...\n');
    const pipeline = redis.pipeline();
    for (let i = 0; i < FLUSH_KEYS; i++)
      pipeline.set(rulesCacheKeys(prefix).entry('coverage_rules', `bulk-${i}`), 'x'.repeat(200), 'EX', 600);
    await pipeline.exec();
    const pinger = new Redis('redis://127.0.0.1:6379');
    const pings: number[] = [];
    let flushing = true;
    const loop = (async () => {
      while (flushing) {
        const t = performance.now();
        await pinger.ping();
        pings.push(performance.now() - t);
      }
    })();
    const flushStarted = performance.now();
    const response = await fetch(`${a.httpUrl}/admin/cache/flush`, {
      method: 'POST',
      headers: { authorization: 'Bearer bench-admin-token-0123456789', 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'coverage_rules' }),
    });
    const flushMs = performance.now() - flushStarted;
    flushing = false;
    await loop;
    pinger.disconnect();
    const deleted = ((await response.json()) as { deleted: number }).deleted;
    const pingSorted = [...pings].sort((x, y) => x - y);

    return [
      '## Replicator invalidation and admin flush (issue 4)',
      '',
      `Two service instances sharing Redis and MariaDB. ${ROUNDS} rounds: rename a channel in MariaDB, XADD the sync event, then poll the *other* instance (every 2 ms) until it returns the new name.`,
      '',
      table(
        ['measure', 'p50', 'p99', 'max', 'target'],
        [
          [
            'XADD → first fresh read on the other instance',
            `${ms(percentile(sorted, 50))} ms`,
            `${ms(percentile(sorted, 99))} ms`,
            `${ms(sorted.at(-1)!)} ms`,
            `p50 < 250 ms (${percentile(sorted, 50) < 250 ? 'met' : 'NOT met'}), p99 < 1 s (${percentile(sorted, 99) < 1000 ? 'met' : 'NOT met'})`,
          ],
          [
            'PING latency during the 100,000-key flush',
            `${ms(percentile(pingSorted, 50))} ms`,
            `${ms(percentile(pingSorted, 99))} ms`,
            `${ms(pingSorted.at(-1)!)} ms`,
            `${pings.length} PINGs answered, none failed`,
          ],
        ],
      ),
      '',
      `Whole-kind flush (\`POST /admin/cache/flush {"kind":"coverage_rules"}\`, SCAN + UNLINK in batches of 500): ${deleted.toLocaleString('en-US')} keys in ${(flushMs / 1000).toFixed(2)} s.`,
    ].join('\n');
  } finally {
    reader.close();
    await sql.end();
    await a.stop();
    await b.stop();
    const keys = await redis.keys(`${prefix}*`);
    for (let i = 0; i < keys.length; i += 1_000) await redis.unlink(...keys.slice(i, i + 1_000));
    redis.disconnect();
    await mariadb.drop();
  }
}
