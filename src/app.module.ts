import { type DynamicModule, Module } from '@nestjs/common';
import { AdminModule } from './admin/admin.module.js';
import { AppConfig, roleRuns } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { DatabaseModule } from './infrastructure/database/database.module.js';
import { RedisModule } from './infrastructure/redis/redis.module.js';
import { GrpcServerModule } from './platform/grpc/grpc-server.module.js';
import { HealthModule } from './platform/health/health.module.js';
import { MetricsModule } from './platform/metrics/metrics.module.js';
import { ReplicatorModule } from './replicator/replicator.module.js';
import { RulesModule } from './rules/rules.module.js';

/**
 * The whole service. ROLE decides which parts run: `api` serves HTTP and gRPC, `worker` runs
 * the queue worker (with health and metrics over HTTP), `all` does both in one process.
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    const runs = roleRuns(config.role);
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        MetricsModule,
        RedisModule,
        HealthModule.forRoot({ database: runs.api }),
        ...(runs.api ? [DatabaseModule, GrpcServerModule, RulesModule, ReplicatorModule, AdminModule] : []),
      ],
    };
  }
}
