import 'reflect-metadata';
import { CacheInterceptor, CacheKey, CacheModule, CacheTTL } from '@nestjs/cache-manager';
import { Controller, type ExecutionContext, Module, UseInterceptors } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { GrpcMethod, Transport } from '@nestjs/microservices';
import { Redis } from 'ioredis';
import { Keyv } from 'keyv';
import { ConfigModule } from '../../src/config/config.module.js';
import { loadConfig } from '../../src/config/load-config.js';
import { DatabaseModule } from '../../src/infrastructure/database/database.module.js';
import { PROTO_LOADER_OPTIONS } from '../../src/platform/grpc/proto-loader-options.js';
import { MetricsModule } from '../../src/platform/metrics/metrics.module.js';
import {
  CUSTOMER_CONFIGURATION_PACKAGE,
  CUSTOMER_CONFIGURATION_PROTO,
  CUSTOMER_CONFIGURATION_SERVICE,
} from '../../src/rules/rules.proto.js';
import { RulesRepository } from '../../src/rules/rules.repository.js';
import { RulesService } from '../../src/rules/rules.service.js';

/**
 * The peer: what a NestJS team would write first. @nestjs/cache-manager's CacheInterceptor on
 * the gRPC handler, a key factory per channel, cache-manager 7 over a Keyv store on a plain
 * ioredis client (default settings: offline queue on, no command timeout). No coalescing, no
 * stale-while-revalidate, no breaker. The same RulesService reads the same database.
 */
const config = loadConfig(process.env);
const ttlMs = config.rulesCache.ttlMs;
const prefix = config.redis.keyPrefix;

class IoredisStringStore {
  namespace?: string;
  readonly opts = { dialect: 'redis' };
  constructor(private readonly redis: Redis) {}
  async get(key: string) {
    return (await this.redis.get(key)) ?? undefined;
  }
  async set(key: string, value: string, ttl?: number) {
    if (ttl) await this.redis.set(key, value, 'PX', ttl);
    else await this.redis.set(key, value);
    return true;
  }
  async delete(key: string) {
    return (await this.redis.del(key)) > 0;
  }
  async clear() {}
  on() {
    return this;
  }
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
    DatabaseModule,
    CacheModule.register({
      stores: [new Keyv({ store: new IoredisStringStore(new Redis(config.redis.url)) })],
      ttl: ttlMs,
    }),
  ],
  controllers: [StockRulesController],
  providers: [RulesRepository, RulesService],
})
class StockPeerModule {}

async function main() {
  const app = await NestFactory.createMicroservice(StockPeerModule, {
    transport: Transport.GRPC,
    logger: ['error'],
    options: {
      url: `127.0.0.1:${config.grpc.port}`,
      package: CUSTOMER_CONFIGURATION_PACKAGE,
      protoPath: CUSTOMER_CONFIGURATION_PROTO,
      loader: PROTO_LOADER_OPTIONS,
    },
  });
  app.enableShutdownHooks();
  await app.listen();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
