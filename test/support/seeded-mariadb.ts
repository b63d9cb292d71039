import { Database } from '../../src/infrastructure/database/database.js';
import { seedReplica } from '../../src/infrastructure/database/seed/seed-replica.js';
import { createTestDatabase } from './mariadb.js';

/** A MariaDB database of the suite's own, migrated and seeded with `channels` channels. */
export async function seededTestDatabase(label: string, channels: number) {
  const mariadb = await createTestDatabase(label);
  const database = Database.open({
    url: mariadb.url,
    dialect: 'mysql',
    poolSize: 2,
    queryTimeoutMs: 30_000,
    seedWhenEmpty: false,
  });
  await database.migrate();
  await seedReplica(database.db, { seed: 5, channels, includeHugeChannel: false });
  return {
    name: mariadb.name,
    url: mariadb.url,
    /** Direct access for tests that change rows. */
    db: database.db,
    async drop() {
      await database.close();
      await mariadb.drop();
    },
  };
}
