import { type DynamicModule, Module } from '@nestjs/common';
import { AdminModule } from './admin/admin.module.js';
import type { EmbeddedUhdSimulator } from './bootstrap/embedded-uhd-simulator.js';
import { AppConfig, roleRuns } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { FeatureFlagsModule } from './feature-flags/feature-flags.module.js';
import { HealthRecordsModule } from './health-records/health-records.module.js';
import { DatabaseModule } from './infrastructure/database/database.module.js';
import { QueueModule } from './infrastructure/queue/queue.module.js';
import { RedisModule } from './infrastructure/redis/redis.module.js';
import { LoginModule } from './login/login.module.js';
import { EventsModule } from './platform/events/events.module.js';
import { GrpcServerModule } from './platform/grpc/grpc-server.module.js';
import { HealthModule } from './platform/health/health.module.js';
import { MetricsModule } from './platform/metrics/metrics.module.js';
import { PrecacheModule } from './precache/precache.module.js';
import { ReplicatorModule } from './replicator/replicator.module.js';
import { RulesModule } from './rules/rules.module.js';

export interface AppModuleOptions {
  /** The bundled UHD simulator started for a configuration without UHD_HOST, closed with the app. */
  embeddedUhd?: EmbeddedUhdSimulator;
}

/**
 * The whole service. ROLE decides which parts run: `api` serves HTTP and gRPC, `worker` runs
 * the queue worker (with health and metrics over HTTP), `all` does both in one process.
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, options: AppModuleOptions = {}): DynamicModule {
    const runs = roleRuns(config.role);
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        MetricsModule,
        RedisModule,
        HealthModule.forRoot({ database: runs.api, queue: true }),
        ...(runs.api ? [DatabaseModule, GrpcServerModule, RulesModule, ReplicatorModule, AdminModule] : []),
        // Sign-in pre-cache: sign-ins and flags, the queue, and health-record reads.
        EventsModule,
        QueueModule,
        FeatureFlagsModule.forRoot({ admin: runs.api }),
        LoginModule.forRoot({ api: runs.api }),
        PrecacheModule.forRoot(runs),
        ...(runs.api ? [HealthRecordsModule] : []),
      ],
      providers: options.embeddedUhd
        ? [{ provide: 'EMBEDDED_UHD_SIMULATOR', useValue: options.embeddedUhd }]
        : [],
    };
  }
}
