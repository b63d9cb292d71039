import type { Insertable, Kysely } from 'kysely';
import type { ReplicaSchema, ReplicaTable } from '../schema.js';
import {
  type ChannelRows,
  DEFAULT_SEED_OPTIONS,
  generateReplica,
  type SeedOptions,
} from './replica-generator.js';

/** Rows per INSERT: at most 8 columns × 500 rows = 4,000 placeholders, far under every limit. */
const BATCH_ROWS = 500;

export interface SeedSummary {
  channels: number;
  contracts: number;
  alphaPrefixes: number;
  provisioning: number;
  populations: number;
  rules: number;
}

const CHILD_FIRST: ReplicaTable[] = [
  'population_membership_rule',
  'population',
  'sc_provisioning',
  'sc_alpha_prefix_config',
  'sc_benefit_contract',
  'enrollment_channel',
];

class BatchWriter {
  private readonly pending = new Map<ReplicaTable, unknown[]>();

  constructor(private readonly trx: Kysely<ReplicaSchema>) {}

  async add<T extends ReplicaTable>(table: T, rows: Insertable<ReplicaSchema[T]>[]) {
    let queue = this.pending.get(table);
    if (!queue) {
      queue = [];
      this.pending.set(table, queue);
    }
    for (const row of rows) {
      queue.push(row);
      if (queue.length >= BATCH_ROWS) await this.flushTable(table);
    }
  }

  async flush() {
    for (const table of this.pending.keys()) await this.flushTable(table);
  }

  private async flushTable(table: ReplicaTable) {
    const rows = this.pending.get(table)?.splice(0);
    if (!rows?.length) return;
    await this.trx
      .insertInto(table)
      .values(rows as never)
      .execute();
  }
}

/**
 * Replaces the replica's rows with the generated data set, in one transaction, so a reader
 * sees either the old data or the new, never half.
 */
export async function seedReplica(
  db: Kysely<ReplicaSchema>,
  options: SeedOptions = DEFAULT_SEED_OPTIONS,
): Promise<SeedSummary> {
  const summary: SeedSummary = {
    channels: 0,
    contracts: 0,
    alphaPrefixes: 0,
    provisioning: 0,
    populations: 0,
    rules: 0,
  };
  await db.transaction().execute(async (trx) => {
    for (const table of CHILD_FIRST) await trx.deleteFrom(table).execute();
    const writer = new BatchWriter(trx);
    for (const rows of generateReplica(options)) {
      await writeChannel(writer, rows);
      summary.channels += 1;
      summary.contracts += rows.contracts.length;
      summary.alphaPrefixes += rows.alphaPrefixes.length;
      summary.provisioning += rows.provisioning.length;
      summary.populations += rows.populations.length;
      summary.rules += rows.rules.length;
    }
    await writer.flush();
  });
  return summary;
}

async function writeChannel(writer: BatchWriter, rows: ChannelRows) {
  await writer.add('enrollment_channel', [rows.channel]);
  await writer.add('sc_benefit_contract', rows.contracts);
  await writer.add('sc_alpha_prefix_config', rows.alphaPrefixes);
  await writer.add('sc_provisioning', rows.provisioning);
  await writer.add('population', rows.populations);
  await writer.add('population_membership_rule', rows.rules);
}
