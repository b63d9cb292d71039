import { Controller, Get, Inject, UseFilters } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { AppConfig } from '../../config/app-config.js';
import { HealthResponseFilter } from './health-response.filter.js';
import { READINESS_CHECKS, type ReadinessCheck } from './readiness-check.js';

@Controller('health')
@UseFilters(HealthResponseFilter)
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly config: AppConfig,
    @Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[],
  ) {}

  /** The process is up and its event loop turns; says nothing about dependencies. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([
      () => this.indicators.check('process').up({ uptimeSeconds: Math.round(process.uptime()) }),
    ]);
  }

  /** 503 while any dependency this role needs (database, Redis, queue) does not answer in time. */
  @Get('ready')
  @HealthCheck()
  ready() {
    const timeoutMs = this.config.health.checkTimeoutMs;
    return this.health.check(
      this.checks.map(
        (c) => () =>
          this.indicators
            .check(c.name)
            .attempt(({ signal }) => c.check(signal))
            .withTimeout(timeoutMs),
      ),
    );
  }
}
