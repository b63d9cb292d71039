import { Injectable, Logger } from '@nestjs/common';
import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  circuitBreaker,
  handleWhen,
  IsolatedCircuitError,
} from 'cockatiel';
import { AppConfig } from '../config/app-config.js';
import { type CircuitStateName, UhdMetrics } from '../platform/metrics/uhd.metrics.js';
import { TimeWindowBreaker } from './time-window-breaker.js';
import { UhdCircuitOpenError, UhdError } from './uhd-errors.js';

const STATE_NAMES: Record<CircuitState, CircuitStateName> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half_open',
  [CircuitState.Isolated]: 'isolated',
};

/**
 * One circuit breaker for every UHD call of this process. It opens when more than the configured
 * share of the calls that ended in the last UHD_BREAKER_WINDOW_MS failed upstream (5xx, 429,
 * timeouts, refused connections), provided the window saw enough calls to judge; after the
 * cool-down one call probes the upstream and closes it again. Client errors (4xx) and our own
 * cancellations never count: they say nothing about the upstream's health.
 */
@Injectable()
export class UhdCircuitBreaker {
  private readonly logger = new Logger(UhdCircuitBreaker.name);
  private readonly policy: CircuitBreakerPolicy;
  private openedAt = 0;

  constructor(
    private readonly config: AppConfig,
    metrics: UhdMetrics,
  ) {
    const { failureRate, minRequests, windowMs, halfOpenAfterMs } = config.uhd.breaker;
    this.policy = circuitBreaker(
      handleWhen((error) => error instanceof UhdError && error.upstreamFault),
      {
        halfOpenAfter: halfOpenAfterMs,
        breaker: new TimeWindowBreaker({ threshold: failureRate, windowMs, minimumCalls: minRequests }),
      },
    );
    this.policy.onStateChange((state) => {
      const name = STATE_NAMES[state];
      if (state === CircuitState.Open) this.openedAt = Date.now();
      metrics.circuitChanged(name);
      const line = { msg: 'UHD circuit breaker changed state', state: name };
      if (state === CircuitState.Open) this.logger.warn(line);
      else this.logger.log(line);
    });
  }

  /**
   * Whether a call now would be refused without reaching the upstream. False once the cool-down
   * has passed, so the next caller is the one that probes.
   */
  get refusingCalls(): boolean {
    const state = this.policy.state;
    if (state === CircuitState.Isolated) return true;
    return (
      state === CircuitState.Open && Date.now() - this.openedAt < this.config.uhd.breaker.halfOpenAfterMs
    );
  }

  async execute<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await this.policy.execute(call);
    } catch (error) {
      if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError)
        throw new UhdCircuitOpenError();
      throw error;
    }
  }
}
