import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { GrpcMethod, type MicroserviceOptions, Transport } from '@nestjs/microservices';
import {
  CUSTOMER_CONFIGURATION_PACKAGE,
  CUSTOMER_CONFIGURATION_SERVICE,
  customerConfigurationDefinition,
} from '../../src/rules/rules.proto.js';

/**
 * The floor of the service's own stack: a bare NestJS gRPC microservice whose handlers return the
 * same pre-encoded bytes (read from a file) on every call. The service's package definition, so
 * the response serializer passes the Buffer through as it does for a cache hit; no interceptors,
 * filters, metrics or logging. What the hit path costs above this is the cache's and the
 * service's own work.
 */
const { values } = parseArgs({ options: { port: { type: 'string' }, payload: { type: 'string' } } });
const payload = readFileSync(values.payload!);

@Controller()
class FloorController {
  @GrpcMethod(CUSTOMER_CONFIGURATION_SERVICE, 'GetCoverageRules')
  getCoverageRules(): Buffer {
    return payload;
  }

  @GrpcMethod(CUSTOMER_CONFIGURATION_SERVICE, 'GetPopulationMembershipRules')
  getPopulationMembershipRules(): Buffer {
    return payload;
  }
}

@Module({ controllers: [FloorController] })
class FloorModule {}

async function main() {
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(FloorModule, {
    transport: Transport.GRPC,
    logger: ['error'],
    options: {
      url: `127.0.0.1:${values.port}`,
      package: CUSTOMER_CONFIGURATION_PACKAGE,
      packageDefinition: customerConfigurationDefinition(),
    },
  });
  app.enableShutdownHooks();
  await app.listen();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
