import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load-config.js';
import { Database } from '../infrastructure/database/database.js';
import { redactedUrl } from '../infrastructure/database/database-url.js';
import { DEFAULT_SEED_OPTIONS } from '../infrastructure/database/seed/replica-generator.js';
import { seedReplica } from '../infrastructure/database/seed/seed-replica.js';

const USAGE = `npm run db:seed -- [--channels N] [--seed N] [--huge]
  Replaces the replica's rows in the database DATABASE_URL names with the deterministic demo
  data set (migrating first). --huge adds one channel with 70,000 benefit contracts.`;

async function main() {
  const { values } = parseArgs({
    options: {
      channels: { type: 'string', default: String(DEFAULT_SEED_OPTIONS.channels) },
      seed: { type: 'string', default: String(DEFAULT_SEED_OPTIONS.seed) },
      huge: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const channels = Number(values.channels);
  const seed = Number(values.seed);
  if (!Number.isInteger(channels) || channels < 2 || channels > 100_000)
    throw new Error('--channels: an integer from 2 to 100000');
  if (!Number.isInteger(seed)) throw new Error('--seed: an integer');

  const config = loadConfig(process.env);
  const database = Database.open(config.database);
  try {
    await database.migrate();
    const started = Date.now();
    const summary = await seedReplica(database.db, { channels, seed, includeHugeChannel: values.huge });
    console.log(`seeded ${redactedUrl(config.database.url)} in ${Date.now() - started} ms:`, summary);
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
