import { Controller, Get, Inject, Logger, UseFilters } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  type HealthIndicatorResult,
  HealthIndicatorService,
} from '@nestjs/terminus';
import { AppConfig } from '../../config/app-config.js';
import { DependencyStateLog } from './dependency-state-log.js';
import { HealthResponseFilter } from './health-response.filter.js';
import { READINESS_CHECKS, type ReadinessCheck } from './readiness-check.js';

@Controller('health')
@UseFilters(HealthResponseFilter)
export class HealthController {
  private readonly logger = new Logger(HealthController.name);
  /** One per readiness check: a probe every few seconds logs only when a check starts or stops failing. */
  private readonly states = new Map<string, DependencyStateLog>();

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
      this.checks.map((c) => async () => {
        const result: HealthIndicatorResult = await this.indicators
          .check(c.name)
          .attempt(({ signal }) => c.check(signal))
          .withTimeout(timeoutMs);
        this.logStateChange(c.name, result);
        return result;
      }),
    );
  }

  private logStateChange(name: string, result: HealthIndicatorResult) {
    let state = this.states.get(name);
    if (!state) {
      state = new DependencyStateLog(
        this.logger,
        { down: 'readiness check failing', back: 'readiness check passing again' },
        { check: name },
      );
      this.states.set(name, state);
    }
    const { status, message } = result[name] as { status: string; message?: unknown };
    if (status === 'up') state.succeeded();
    else state.failed(message ?? status);
  }
}
