import { ReflectionService } from '@grpc/reflection';
import { type GrpcOptions, Transport } from '@nestjs/microservices';
import { CUSTOMER_CONFIGURATION_PACKAGE, customerConfigurationDefinition } from '../../rules/rules.proto.js';
import type { TransportMetrics } from '../metrics/transport.metrics.js';
import { grpcCallInterceptor } from './grpc-call.interceptor.js';
import type { GrpcHealth } from './grpc-health.js';

/** Requests carry one short id; anything near this size is abuse, refused with RESOURCE_EXHAUSTED. */
export const MAX_REQUEST_BYTES = 64 * 1024;

export interface GrpcServerDeps {
  port: number;
  host?: string;
  metrics: TransportMetrics;
  health: GrpcHealth;
}

/**
 * The gRPC server's options, shared by main.ts and the end-to-end tests so both run the same
 * server: the contract's proto, grpc-js interceptors (request id, metrics, logs), the health
 * protocol and server reflection, and a graceful drain on shutdown.
 */
export function buildGrpcOptions({ port, host = '0.0.0.0', metrics, health }: GrpcServerDeps): GrpcOptions {
  const packageDefinition = customerConfigurationDefinition();
  return {
    transport: Transport.GRPC,
    options: {
      url: `${host}:${port}`,
      package: CUSTOMER_CONFIGURATION_PACKAGE,
      packageDefinition,
      gracefulShutdown: true,
      maxReceiveMessageLength: MAX_REQUEST_BYTES,
      // grpc-js reads server interceptors from its constructor options, which Nest builds from these.
      channelOptions: { interceptors: [grpcCallInterceptor(metrics)] } as Record<string, unknown>,
      onLoadPackageDefinition(definition, server) {
        new ReflectionService(definition).addToServer(server);
        health.addToServer(server);
      },
    },
  };
}
