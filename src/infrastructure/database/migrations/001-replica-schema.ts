import { type Kysely, type Migration, sql } from 'kysely';

/**
 * The replica schema from DESIGN.md. Ids compare byte-wise on both dialects (utf8mb4_bin on
 * MySQL, SQLite's default BINARY), so "ordered by id" is the same order everywhere. Each
 * child index leads with its parent id and ends with the row id, which is the read order.
 */
export function replicaSchema(dialect: 'mysql' | 'sqlite'): Migration {
  const tableOptions =
    dialect === 'mysql' ? sql`ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin` : sql``;
  const datetime = dialect === 'mysql' ? sql`datetime(3)` : sql`text`;
  const date = dialect === 'mysql' ? sql`date` : sql`text`;

  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('enrollment_channel')
        .ifNotExists()
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('name', 'varchar(255)', (c) => c.notNull())
        .addColumn('is_active', 'boolean', (c) => c.notNull())
        .addColumn('updated_at', datetime, (c) => c.notNull())
        .modifyEnd(tableOptions)
        .execute();

      await db.schema
        .createTable('sc_benefit_contract')
        .ifNotExists()
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('enrollment_channel_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('contract_number', 'varchar(64)', (c) => c.notNull())
        .addColumn('group_number', 'varchar(64)')
        .addColumn('plan_type', 'varchar(32)')
        .addColumn('effective_date', date, (c) => c.notNull())
        .addColumn('termination_date', date)
        .addColumn('updated_at', datetime, (c) => c.notNull())
        .modifyEnd(tableOptions)
        .execute();
      await db.schema
        .createIndex('ix_sc_benefit_contract_channel')
        .on('sc_benefit_contract')
        .columns(['enrollment_channel_id', 'id'])
        .execute();

      await db.schema
        .createTable('sc_alpha_prefix_config')
        .ifNotExists()
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('benefit_contract_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('alpha_prefix', 'varchar(3)', (c) => c.notNull())
        .modifyEnd(tableOptions)
        .execute();
      await db.schema
        .createIndex('ix_sc_alpha_prefix_config_contract')
        .on('sc_alpha_prefix_config')
        .columns(['benefit_contract_id', 'id'])
        .execute();

      await db.schema
        .createTable('sc_provisioning')
        .ifNotExists()
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('enrollment_channel_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('population_id', 'varchar(64)')
        .addColumn('service_code', 'varchar(64)', (c) => c.notNull())
        .addColumn('is_enabled', 'boolean', (c) => c.notNull())
        .addColumn('effective_date', date, (c) => c.notNull())
        .addColumn('termination_date', date)
        .modifyEnd(tableOptions)
        .execute();
      await db.schema
        .createIndex('ix_sc_provisioning_channel')
        .on('sc_provisioning')
        .columns(['enrollment_channel_id', 'id'])
        .execute();

      await db.schema
        .createTable('population')
        .ifNotExists()
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('enrollment_channel_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('name', 'varchar(255)', (c) => c.notNull())
        .addColumn('priority', 'integer', (c) => c.notNull())
        .modifyEnd(tableOptions)
        .execute();
      await db.schema
        .createIndex('ix_population_channel')
        .on('population')
        .columns(['enrollment_channel_id', 'priority', 'id'])
        .execute();

      await db.schema
        .createTable('population_membership_rule')
        .ifNotExists()
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('population_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('attribute', 'varchar(64)', (c) => c.notNull())
        .addColumn('operator', 'varchar(16)', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .modifyEnd(tableOptions)
        .execute();
      await db.schema
        .createIndex('ix_population_membership_rule_population')
        .on('population_membership_rule')
        .columns(['population_id', 'id'])
        .execute();
    },

    async down(db: Kysely<unknown>) {
      for (const table of [
        'population_membership_rule',
        'population',
        'sc_provisioning',
        'sc_alpha_prefix_config',
        'sc_benefit_contract',
        'enrollment_channel',
      ]) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  };
}
