import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { Database } from '../../src/infrastructure/database/database.js';
import { seedReplica } from '../../src/infrastructure/database/seed/seed-replica.js';
import { freePort } from '../../test/support/ports.js';

export const MYSQL_ROOT = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

/** A MariaDB database of the benchmark's own, seeded with the default data set; dropped by `drop()`. */
export async function seededMariaDb(label: string, options?: { huge?: boolean }) {
  const name = `bench_${label}_${randomBytes(3).toString('hex')}`;
  const admin = await createConnection({ uri: MYSQL_ROOT });
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  await admin.end();
  const url = `${MYSQL_ROOT}/${name}`;
  const database = Database.open({
    url,
    dialect: 'mysql',
    poolSize: 2,
    queryTimeoutMs: 60_000,
    seedWhenEmpty: false,
  });
  await database.migrate();
  await seedReplica(database.db, {
    seed: 20_260_101,
    channels: 1_000,
    includeHugeChannel: options?.huge ?? false,
  });
  await database.close();
  await mariadbSettled();
  return {
    url,
    async drop() {
      const conn = await createConnection({ uri: MYSQL_ROOT });
      await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await conn.end();
    },
  };
}

/**
 * Waits (up to 60 s) until InnoDB has flushed what the seed wrote: its background flushing
 * competes for the same two cores and would otherwise leak into the first measurements.
 */
async function mariadbSettled() {
  const conn = await createConnection({ uri: MYSQL_ROOT });
  try {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const [rows] = await conn.query("SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'");
      if (Number((rows as Array<{ Value: string }>)[0]?.Value ?? 0) < 50) return;
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await conn.end();
  }
}

/** A SQLite file path in the temp folder; the service seeds it on start. Removed by `remove()`. */
export function tempSqlite(label: string) {
  const file = join(tmpdir(), `bench-${label}-${randomBytes(3).toString('hex')}.sqlite`);
  return {
    url: `sqlite:${file}`,
    remove() {
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
    },
  };
}

/** Ports and a key prefix of the run's own, so a benchmark never meets another process's keys. */
export async function serviceEnv(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  return {
    PORT: String(await freePort()),
    GRPC_PORT: String(await freePort()),
    REDIS_KEY_PREFIX: `bench${randomBytes(3).toString('hex')}:`,
    ...extra,
  };
}
