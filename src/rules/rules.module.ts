import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { Database } from '../infrastructure/database/database.js';
import { DatabaseMetrics } from '../platform/metrics/database.metrics.js';
import { RulesCacheModule } from '../rules-cache/rules-cache.module.js';
import { RulesLoadPool } from './load/rules-load.pool.js';
import { RulesGrpcController } from './rules.grpc-controller.js';
import { RulesRepository } from './rules.repository.js';
import { RulesService } from './rules.service.js';

@Module({
  imports: [RulesCacheModule],
  controllers: [RulesGrpcController],
  providers: [
    // On the main thread for the replicator's small lookups; the rules loads run on the pool's threads.
    {
      provide: RulesRepository,
      inject: [Database],
      useFactory: (database: Database) => new RulesRepository(database),
    },
    {
      provide: RulesLoadPool,
      inject: [AppConfig, DatabaseMetrics],
      useFactory: (config: AppConfig, metrics: DatabaseMetrics) =>
        new RulesLoadPool({ database: config.database, ...config.rulesLoad }, metrics),
    },
    RulesService,
  ],
  exports: [RulesRepository, RulesService],
})
export class RulesModule {}
