import { type BeforeApplicationShutdown, Global, Module } from '@nestjs/common';
import { CUSTOMER_CONFIGURATION_PACKAGE, CUSTOMER_CONFIGURATION_SERVICE } from '../../rules/rules.proto.js';
import { GrpcHealth } from './grpc-health.js';

@Global()
@Module({
  providers: [
    {
      provide: GrpcHealth,
      useFactory: () =>
        new GrpcHealth([`${CUSTOMER_CONFIGURATION_PACKAGE}.${CUSTOMER_CONFIGURATION_SERVICE}`]),
    },
  ],
  exports: [GrpcHealth],
})
export class GrpcServerModule implements BeforeApplicationShutdown {
  constructor(private readonly health: GrpcHealth) {}

  /** Health watchers see NOT_SERVING before the server stops taking calls. */
  beforeApplicationShutdown() {
    this.health.setServing(false);
  }
}
