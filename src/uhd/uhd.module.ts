import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { UpstreamHttpClient } from '../infrastructure/http/upstream-http-client.js';
import { UhdClient } from './uhd.client.js';
import { UhdCircuitBreaker } from './uhd-circuit-breaker.js';
import { UhdTokenProvider } from './uhd-token.provider.js';

/** The UHD API client, shared by the precache job and the health-record reads. */
@Module({
  providers: [
    {
      provide: UpstreamHttpClient,
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        new UpstreamHttpClient({
          connections: config.uhd.maxConnections,
          connectTimeoutMs: Math.min(config.uhd.timeoutMs, 10_000),
        }),
    },
    UhdTokenProvider,
    UhdCircuitBreaker,
    UhdClient,
  ],
  exports: [UhdClient],
})
export class UhdModule implements OnApplicationShutdown {
  constructor(@Inject(UpstreamHttpClient) private readonly http: UpstreamHttpClient) {}

  async onApplicationShutdown() {
    await this.http.close();
  }
}
