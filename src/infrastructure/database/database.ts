import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { CompiledQuery, type Dialect, Kysely, Migrator, MysqlDialect, SqliteDialect, sql } from 'kysely';
import { createPool } from 'mysql2';
import type { AppConfig, DatabaseDialect } from '../../config/app-config.js';
import { withTimeout } from '../../platform/async/with-timeout.js';
import { mysqlOptionsFrom, sqliteFileFrom } from './database-url.js';
import { ReplicaMigrations } from './migrations/index.js';
import type { ReplicaSchema } from './schema.js';

type DatabaseSettings = AppConfig['database'] & { connectTimeoutMs?: number };

/** What the database layer reports about each statement (for metrics and tests). */
export interface QueryEvent {
  parameters: number;
  durationSeconds: number;
  failed: boolean;
}

export type QueryObserver = (event: QueryEvent) => void;

/**
 * The SQL replica behind one Kysely instance: MySQL/MariaDB through a mysql2 pool, or the
 * embedded SQLite file. Repositories query `db`; nothing else touches a driver.
 */
export class Database {
  private constructor(
    readonly db: Kysely<ReplicaSchema>,
    readonly dialect: DatabaseDialect,
  ) {}

  static open(settings: DatabaseSettings, onQuery?: QueryObserver): Database {
    const dialect =
      settings.dialect === 'mysql' ? Database.mysqlDialect(settings) : Database.sqliteDialect(settings);
    const db = new Kysely<ReplicaSchema>({
      dialect,
      log: onQuery
        ? (event) =>
            onQuery({
              parameters: event.query.parameters.length,
              durationSeconds: event.queryDurationMillis / 1000,
              failed: event.level === 'error',
            })
        : undefined,
    });
    return new Database(db, settings.dialect);
  }

  private static mysqlDialect(settings: DatabaseSettings): Dialect {
    const pool = createPool({
      ...mysqlOptionsFrom(settings.url),
      connectionLimit: settings.poolSize,
      maxIdle: settings.poolSize,
      idleTimeout: 60_000,
      connectTimeout: settings.connectTimeoutMs ?? Math.min(settings.queryTimeoutMs, 5_000),
      enableKeepAlive: true,
      // DATE and DATETIME come back exactly as stored, so formatting never depends on a time zone.
      dateStrings: true,
      timezone: 'Z',
      supportBigNumbers: true,
    });
    const statementTimeoutSeconds = settings.queryTimeoutMs / 1000;
    return new MysqlDialect({
      pool,
      async onCreateConnection(connection) {
        // MariaDB bounds every statement; MySQL 8 has max_execution_time (SELECT only, in ms).
        try {
          await connection.executeQuery(
            CompiledQuery.raw(`SET SESSION max_statement_time = ${statementTimeoutSeconds}`),
          );
        } catch {
          await connection.executeQuery(
            CompiledQuery.raw(`SET SESSION max_execution_time = ${Math.ceil(settings.queryTimeoutMs)}`),
          );
        }
      },
    });
  }

  private static sqliteDialect(settings: DatabaseSettings): Dialect {
    const file = sqliteFileFrom(settings.url);
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const sqlite = new SqliteDatabase(file, { timeout: settings.queryTimeoutMs });
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = OFF');
    return new SqliteDialect({ database: sqlite });
  }

  /** Applies pending migrations; returns the names applied now. */
  async migrate(): Promise<string[]> {
    const migrator = new Migrator({ db: this.db, provider: new ReplicaMigrations(this.dialect) });
    const { error, results } = await migrator.migrateToLatest();
    if (error) throw error;
    return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  }

  async isEmpty(): Promise<boolean> {
    const row = await this.db.selectFrom('enrollment_channel').select('id').limit(1).executeTakeFirst();
    return row === undefined;
  }

  /** One round trip, bounded: used by readiness. Rejects when the database cannot answer in time. */
  async ping(timeoutMs: number): Promise<void> {
    await withTimeout(sql`SELECT 1`.execute(this.db), timeoutMs, 'database ping');
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
