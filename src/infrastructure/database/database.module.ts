import {
  Global,
  Inject,
  Logger,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { DatabaseMetrics } from '../../platform/metrics/database.metrics.js';
import { Database } from './database.js';
import { redactedUrl } from './database-url.js';
import { seedReplica } from './seed/seed-replica.js';

/**
 * The SQL replica. The embedded SQLite database is migrated at start, and seeded with the
 * demo data set when it is empty, so `npm start` works on a fresh machine; MySQL is migrated
 * by `npm run db:migrate` and never seeded.
 */
@Global()
@Module({
  providers: [
    {
      provide: Database,
      inject: [AppConfig, DatabaseMetrics],
      useFactory: (config: AppConfig, metrics: DatabaseMetrics) =>
        Database.open(config.database, (event) => metrics.queryRan(config.database.dialect, event)),
    },
  ],
  exports: [Database],
})
export class DatabaseModule implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(DatabaseModule.name);

  constructor(
    @Inject(Database) private readonly database: Database,
    private readonly config: AppConfig,
  ) {}

  async onModuleInit() {
    this.logger.log({
      msg: 'database',
      dialect: this.database.dialect,
      url: redactedUrl(this.config.database.url),
    });
    if (this.database.dialect !== 'sqlite') return;
    const applied = await this.database.migrate();
    if (applied.length > 0) this.logger.log({ msg: 'migrations applied', migrations: applied });
    if (this.config.database.seedWhenEmpty && (await this.database.isEmpty())) {
      const started = Date.now();
      const summary = await seedReplica(this.database.db);
      this.logger.log({
        msg: 'empty SQLite replica seeded with demo data',
        ...summary,
        durationMs: Date.now() - started,
      });
    }
  }

  async onApplicationShutdown() {
    await this.database.close();
  }
}
