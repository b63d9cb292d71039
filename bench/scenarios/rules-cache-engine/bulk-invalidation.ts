import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Connection, createConnection } from 'mysql2/promise';
import { MAX_IDS_PER_EVENT } from '../../../src/replicator/sync-event.js';
import type { RulesMethod } from '../../../src/rules/rules.proto.js';
import { serviceEnv } from '../../lib/bench-env.js';
import { channelNameClient } from '../../lib/channel-name-client.js';
import type { Progress } from '../../lib/progress.js';
import { deleteByPrefix } from '../../lib/redis-memory.js';
import { table } from '../../lib/report.js';
import { startService } from '../../lib/service-process.js';
import { median, ms } from '../../lib/stats.js';

const ROUNDS = 3;
const CHECKED_CHANNELS = 5;
const METHODS: RulesMethod[] = ['GetCoverageRules', 'GetPopulationMembershipRules'];
const TARGET_MS = 1_000;
const GIVE_UP_MS = 15_000;
const TOKEN = 'bench-internal-token-0123456789';

interface Round {
  applyMs: number;
  status: number;
  /** From the POST to the last checked (channel, kind) answered with the new name on the other instance. */
  freshMs: number;
}

interface RoundParts {
  applierUrl: string;
  reader: ReturnType<typeof channelNameClient>;
  sql: Connection;
  checked: string[];
  fillers: string[];
}

/** Warms the checked channels on B, renames them, POSTs the event to A and polls B until fresh. */
async function round(
  { applierUrl, reader, sql, checked, fillers }: RoundParts,
  index: number,
): Promise<Round> {
  for (const id of checked) for (const method of METHODS) await reader.name(id, method);
  const names = new Map(
    checked.map((id) => [id, `${id} renamed ${index} ${randomBytes(3).toString('hex')}`]),
  );
  for (const [id, name] of names)
    await sql.query('UPDATE enrollment_channel SET name = ? WHERE id = ?', [name, id]);

  const started = performance.now();
  const post = fetch(`${applierUrl}/v0/replicator/sync-events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      table: 'enrollment_channel',
      enrollmentChannelIds: [...checked, ...fillers],
      syncedAt: new Date().toISOString(),
    }),
  }).then(async (response) => {
    await response.arrayBuffer();
    return { status: response.status, ms: performance.now() - started };
  });
  let pending = checked.flatMap((id) => METHODS.map((method) => ({ id, method })));
  while (pending.length > 0 && performance.now() - started < GIVE_UP_MS) {
    const answers = await Promise.all(pending.map((p) => reader.name(p.id, p.method)));
    pending = pending.filter((p, i) => answers[i] !== names.get(p.id));
    if (pending.length > 0) await sleep(5);
  }
  const freshMs = pending.length === 0 ? performance.now() - started : Number.POSITIVE_INFINITY;
  const applied = await post;
  return { applyMs: applied.ms, status: applied.status, freshMs };
}

/**
 * Fast bulk invalidation: a sync event naming 10,000 channel ids for `enrollment_channel`
 * (both cached kinds) is POSTed to instance A; a few of the ids are channels warmed on instance B
 * and renamed in MariaDB just before. Measured: until B answers the new names for every one of
 * them, both kinds, and how long A took to apply the event (the POST's answer).
 */
export async function bulkInvalidation(databaseUrl: string, progress: Progress): Promise<string> {
  const prefix = `bench${randomBytes(3).toString('hex')}:`;
  const shared = {
    DATABASE_URL: databaseUrl,
    REDIS_KEY_PREFIX: prefix,
    REPLICATOR_STREAM: `${prefix}sync-events`,
    REPLICATOR_DEAD_LETTER_STREAM: `${prefix}dead-letter`,
  };
  const a = await startService(await serviceEnv({ ...shared, INTERNAL_API_TOKEN: TOKEN }));
  const b = await startService(await serviceEnv(shared));
  const sql = await createConnection({ uri: databaseUrl });
  const reader = channelNameClient(b.grpcAddress);
  try {
    const [rows] = await sql.query(
      "SELECT id FROM enrollment_channel WHERE is_active = 1 AND id LIKE 'ec-0%' AND id > 'ec-0002' ORDER BY id LIMIT ?",
      [CHECKED_CHANNELS],
    );
    const checked = (rows as Array<{ id: string }>).map((r) => r.id);
    const fillers = Array.from(
      { length: MAX_IDS_PER_EVENT - checked.length },
      (_, i) => `bulk-${String(i).padStart(5, '0')}`,
    );
    const runs: Round[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      progress.note(`round ${i + 1} of ${ROUNDS}`);
      runs.push(await round({ applierUrl: a.httpUrl, reader, sql, checked, fillers }, i));
    }

    const freshMedian = median(runs.map((r) => r.freshMs));
    const shown = (value: number) =>
      Number.isFinite(value) ? `${ms(value)} ms` : `> ${GIVE_UP_MS / 1000} s`;
    return [
      '### Fast bulk invalidation',
      '',
      `Two instances sharing Redis and MariaDB. Each round: ${checked.length} channels (${checked.join(', ')}) are read on instance B (both kinds, so B holds them), renamed in MariaDB, then one sync event \`{"table":"enrollment_channel"}\` naming ${MAX_IDS_PER_EVENT.toLocaleString('en-US')} channel ids (those ${checked.length} and ids with nothing cached), which invalidates both kinds, is POSTed to instance A (\`/v0/replicator/sync-events\`). B is polled (every 5 ms) until it answers the new name for every checked channel in both kinds. ${ROUNDS} rounds.`,
      '',
      table(
        ['round', 'POST → B fresh for all checked', 'A applied (POST answered)', 'HTTP status'],
        runs.map((r, i) => [i + 1, shown(r.freshMs), `${ms(r.applyMs)} ms`, r.status]),
      ),
      '',
      `- POST → instance B answering the new data for all checked channels: median ${shown(freshMedian)}, worst ${shown(Math.max(...runs.map((r) => r.freshMs)))} (target ≤ ${TARGET_MS / 1000} s: ${freshMedian <= TARGET_MS ? 'met' : 'NOT met'}). The applying instance answered the POST after a median ${ms(median(runs.map((r) => r.applyMs)))} ms.`,
    ].join('\n');
  } finally {
    reader.close();
    await sql.end();
    await a.stop();
    await b.stop();
    await deleteByPrefix([`${prefix}*`]);
  }
}
