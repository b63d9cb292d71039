import { type DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import {
  DATABASE_READINESS,
  databaseReadiness,
  QUEUE_READINESS,
  queueReadiness,
  REDIS_READINESS,
  redisReadiness,
} from './dependency-checks.js';
import { HealthController } from './health.controller.js';
import { READINESS_CHECKS, type ReadinessCheck } from './readiness-check.js';

/**
 * /health/live and /health/ready. Readiness is composed from one check per dependency the
 * process's role uses: the worker role has no database, so it does not wait for one; the queue
 * check covers the queues this process produces to and the workers it runs.
 */
@Module({})
export class HealthModule {
  static forRoot(options: { database: boolean; queue?: boolean }): DynamicModule {
    const checks = [
      ...(options.database ? [DATABASE_READINESS] : []),
      REDIS_READINESS,
      ...(options.queue ? [QUEUE_READINESS] : []),
    ];
    return {
      module: HealthModule,
      // Terminus would log every failed probe; the controller logs each check's state changes instead.
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController],
      providers: [
        ...(options.database ? [databaseReadiness] : []),
        redisReadiness,
        ...(options.queue ? [queueReadiness] : []),
        {
          provide: READINESS_CHECKS,
          inject: checks,
          useFactory: (...resolved: ReadinessCheck[]) => resolved,
        },
      ],
    };
  }
}
