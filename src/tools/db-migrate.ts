import { loadConfig } from '../config/load-config.js';
import { Database } from '../infrastructure/database/database.js';
import { redactedUrl } from '../infrastructure/database/database-url.js';

/** `npm run db:migrate`: creates or updates the replica schema in the database DATABASE_URL names. */
async function main() {
  const config = loadConfig(process.env);
  const database = Database.open(config.database);
  try {
    const applied = await database.migrate();
    console.log(
      applied.length > 0
        ? `applied ${applied.join(', ')} to ${redactedUrl(config.database.url)}`
        : `${redactedUrl(config.database.url)} is up to date`,
    );
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
