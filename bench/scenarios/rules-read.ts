import { SEEDED_CHANNELS, SEEDED_SIZES } from '../../src/infrastructure/database/seed/replica-generator.js';
import { seededMariaDb, serviceEnv, tempSqlite } from '../lib/bench-env.js';
import { runClient } from '../lib/child-json.js';
import { failedCalls, type LoadResult } from '../lib/load-result.js';
import { table } from '../lib/report.js';
import { startService } from '../lib/service-process.js';
import { type LatencySummary, ms, rate, summarize } from '../lib/stats.js';

const SECONDS = 6;

/**
 * Issue 2's benchmark: uncached GetCoverageRules for a 20- and a 3,351-contract channel on
 * MariaDB and on SQLite, client in its own process over real gRPC. Latency at concurrency 1,
 * throughput at concurrency 4.
 */
export async function rulesReadScenario(): Promise<string> {
  const mariadb = await seededMariaDb('read');
  const sqlite = tempSqlite('read');
  const rows: Array<Array<string | number>> = [];
  let largeMariaP95 = Number.NaN;
  try {
    for (const [label, url] of [
      ['MariaDB', mariadb.url],
      ['SQLite', sqlite.url],
    ] as const) {
      const service = await startService(
        await serviceEnv({ DATABASE_URL: url, RULES_CACHE_ENABLED: 'false' }),
      );
      try {
        for (const [size, channel] of [
          [SEEDED_SIZES.small, SEEDED_CHANNELS.small],
          [SEEDED_SIZES.large, SEEDED_CHANNELS.large],
        ] as const) {
          process.stderr.write(`  rules-read: ${label}, ${size} contracts ...\n`);
          const serial = await load(service.grpcAddress, channel, 1);
          const parallel = await load(service.grpcAddress, channel, 4);
          if (label === 'MariaDB' && size === SEEDED_SIZES.large) largeMariaP95 = serial.p95;
          rows.push([
            label,
            size.toLocaleString('en-US'),
            ms(serial.p50),
            ms(serial.p95),
            ms(serial.p99),
            rate(serial.perSecond),
            rate(parallel.perSecond),
            serial.errors + parallel.errors,
          ]);
        }
      } finally {
        await service.stop();
      }
    }
  } finally {
    await mariadb.drop();
    sqlite.remove();
  }

  const verdict = largeMariaP95 < 250 ? 'met' : 'NOT met';
  return [
    '## Uncached rules read (issue 2)',
    '',
    `\`GetCoverageRules\` with the cache off, ${SECONDS} s per row after a 1 s warm-up; latency at concurrency 1, throughput also at concurrency 4.`,
    '',
    table(
      ['database', 'contracts', 'p50 ms', 'p95 ms', 'p99 ms', 'req/s (c=1)', 'req/s (c=4)', 'errors'],
      rows,
    ),
    '',
    `Target: the 3,351-contract channel uncached at p95 under 250 ms on MariaDB: **${verdict}** (${ms(largeMariaP95)} ms; the source system reports 4 s and more).`,
  ].join('\n');
}

async function load(address: string, channel: string, concurrency: number): Promise<LatencySummary> {
  const result = await runClient<LoadResult>('grpc-load', {
    address,
    channels: channel,
    concurrency,
    seconds: SECONDS,
    warmup: 1,
  });
  const errors = failedCalls(result);
  return summarize(result.latencies, errors, result.seconds);
}
