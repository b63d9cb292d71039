import { seededMariaDb } from '../lib/bench-env.js';
import { Progress } from '../lib/progress.js';
import { bulkInvalidation } from './rules-cache-engine/bulk-invalidation.js';
import { loadsNeverBlockHits } from './rules-cache-engine/loads-never-block-hits.js';
import { singleFlightSlowDatabase } from './rules-cache-engine/single-flight-slow-db.js';
import { startWithoutRedis } from './rules-cache-engine/start-without-redis.js';
import { ttlExpiry } from './rules-cache-ttl-expiry.js';

interface Section {
  title: string;
  /** A rough duration on the 2-core machine, for the progress estimate. */
  estimateS: number;
  run(databaseUrl: string, progress: Progress): Promise<string>;
}

const SECTIONS: Section[] = [
  { title: 'loads never block hits', estimateS: 42, run: loadsNeverBlockHits },
  { title: 'TTL expiry under load, ours vs stock peer', estimateS: 37, run: ttlExpiry },
  {
    title: 'cross-instance single flight under a slow database',
    estimateS: 12,
    run: singleFlightSlowDatabase,
  },
  { title: 'bulk invalidation of 10,000 ids', estimateS: 18, run: bulkInvalidation },
  { title: 'start with Redis unreachable', estimateS: 18, run: startWithoutRedis },
];
const SEED_ESTIMATE_S = 55;

/**
 * The rules cache engine's rows, measured side by side in one run on one MariaDB data set (the
 * default 1,000 channels plus the 70,000-contract one), every client in its own process.
 */
export async function rulesCacheEngineScenario(): Promise<string> {
  const progress = new Progress('rules-cache-engine', [SEED_ESTIMATE_S, ...SECTIONS.map((s) => s.estimateS)]);
  progress.step('seeding MariaDB (1,000 channels and the 70,000-contract one)');
  const mariadb = await seededMariaDb('engine', { huge: true });
  const sections: string[] = ['## Rules cache engine', ''];
  try {
    for (const section of SECTIONS) {
      progress.step(section.title);
      sections.push(await section.run(mariadb.url, progress), '');
    }
  } finally {
    await mariadb.drop();
  }
  return sections.join('\n');
}
