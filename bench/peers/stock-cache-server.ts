import 'reflect-metadata';
import type { MethodDefinition, ServiceDefinition } from '@grpc/proto-loader';
import { createKeyv } from '@keyv/redis';
import { CacheInterceptor, CacheKey, CacheModule, CacheTTL } from '@nestjs/cache-manager';
import { Controller, type ExecutionContext, Module, UseInterceptors } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { GrpcMethod, Transport } from '@nestjs/microservices';
import { CacheableMemory } from 'cacheable';
import { Keyv } from 'keyv';
import { AppConfig } from '../../src/config/app-config.js';
import { ConfigModule } from '../../src/config/config.module.js';
import { loadConfig } from '../../src/config/load-config.js';
import { DatabaseMetrics } from '../../src/platform/metrics/database.metrics.js';
import { MetricsModule } from '../../src/platform/metrics/metrics.module.js';
import { RulesLoadPool } from '../../src/rules/load/rules-load.pool.js';
import {
  CUSTOMER_CONFIGURATION_PACKAGE,
  CUSTOMER_CONFIGURATION_SERVICE,
  customerConfigurationDefinition,
} from '../../src/rules/rules.proto.js';
import { RulesService } from '../../src/rules/rules.service.js';

/**
 * The peer: what a NestJS team would write first, following the NestJS caching docs.
 * @nestjs/cache-manager's CacheInterceptor on the gRPC handler with a key factory per channel;
 * the module registered as the docs' multi-store example: an in-memory Keyv store
 * (`CacheableMemory`, LRU) in front of Redis through `@keyv/redis` (node-redis, its own
 * connection, default settings). No coalescing, no stale-while-revalidate, no breaker. The same
 * RulesService (loads on the worker-thread pool, answers as encoded bytes) reads the same database.
 */
const config = loadConfig(process.env);
const ttlMs = config.rulesCache.ttlMs;
const prefix = config.redis.keyPrefix;
/** The docs' example size. */
const MEMORY_LRU_SIZE = 5_000;

/**
 * The service's package definition, whose response serializer passes a Buffer through. The
 * memory store hands back a structured clone of what it holds, which turns a Buffer into a plain
 * Uint8Array: those bytes are passed through too, or a hit would be encoded as a message.
 */
function peerDefinition() {
  const definition = customerConfigurationDefinition();
  const service = definition[
    `${CUSTOMER_CONFIGURATION_PACKAGE}.${CUSTOMER_CONFIGURATION_SERVICE}`
  ] as ServiceDefinition;
  for (const method of Object.values(service) as Array<MethodDefinition<object, object>>) {
    const serialize = method.responseSerialize;
    method.responseSerialize = (value: object) =>
      value instanceof Uint8Array && !Buffer.isBuffer(value)
        ? Buffer.from(value.buffer, value.byteOffset, value.byteLength)
        : serialize(value);
  }
  return definition;
}

@Controller()
class StockRulesController {
  constructor(private readonly rules: RulesService) {}

  @GrpcMethod(CUSTOMER_CONFIGURATION_SERVICE, 'GetCoverageRules')
  @UseInterceptors(CacheInterceptor)
  @CacheKey(
    (context: ExecutionContext) => `${prefix}coverage_rules:${context.getArgs()[0]?.enrollmentChannelId}`,
  )
  @CacheTTL(ttlMs)
  getCoverageRules(request: { enrollmentChannelId?: string }) {
    return this.rules.getCoverageRules(request.enrollmentChannelId);
  }
}

@Module({
  imports: [
    ConfigModule.forRoot(config),
    MetricsModule,
    CacheModule.registerAsync({
      useFactory: async () => ({
        stores: [
          new Keyv({ store: new CacheableMemory({ ttl: ttlMs, lruSize: MEMORY_LRU_SIZE }) }),
          createKeyv(config.redis.url),
        ],
        ttl: ttlMs,
      }),
    }),
  ],
  controllers: [StockRulesController],
  providers: [
    {
      provide: RulesLoadPool,
      inject: [AppConfig, DatabaseMetrics],
      useFactory: (appConfig: AppConfig, metrics: DatabaseMetrics) =>
        new RulesLoadPool({ database: appConfig.database, ...appConfig.rulesLoad }, metrics),
    },
    RulesService,
  ],
})
class StockPeerModule {}

async function main() {
  const app = await NestFactory.createMicroservice(StockPeerModule, {
    transport: Transport.GRPC,
    logger: ['error'],
    options: {
      url: `127.0.0.1:${config.grpc.port}`,
      package: CUSTOMER_CONFIGURATION_PACKAGE,
      packageDefinition: peerDefinition(),
    },
  });
  app.enableShutdownHooks();
  await app.listen();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
