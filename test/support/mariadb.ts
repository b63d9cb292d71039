import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';

export const MARIADB_ROOT_URL = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

/**
 * A database of the test's own on the machine's MariaDB, dropped by `drop()`. Suites and
 * parallel workers never share one.
 */
export async function createTestDatabase(
  label: string,
): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `t_${label.replace(/[^a-z0-9]/gi, '_').slice(0, 30)}_${randomBytes(4).toString('hex')}`;
  const admin = await createConnection({ uri: MARIADB_ROOT_URL });
  try {
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: `${MARIADB_ROOT_URL}/${name}`,
    async drop() {
      const conn = await createConnection({ uri: MARIADB_ROOT_URL });
      try {
        await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await conn.end();
      }
    },
  };
}

/** Reads a MariaDB global status counter (e.g. Com_select), to count statements the server really ran. */
export async function globalStatus(variable: string): Promise<number> {
  const conn = await createConnection({ uri: MARIADB_ROOT_URL });
  try {
    const [rows] = await conn.query('SHOW GLOBAL STATUS LIKE ?', [variable]);
    return Number((rows as Array<{ Value: string }>)[0]?.Value ?? 0);
  } finally {
    await conn.end();
  }
}
