import type { Clock } from './clock.js';

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  /** Consecutive failures that open the breaker. */
  failureThreshold: number;
  /** How long it stays open before letting one probe through. */
  cooldownMs: number;
}

/**
 * Stops calling a failing dependency for a while, then probes it again: closed → (N failures
 * in a row) → open → (cooldown) → half-open, where one call is let through; its success closes
 * the breaker, its failure opens it again.
 */
export class CircuitBreaker {
  private state: BreakerState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private probing = false;

  constructor(
    private readonly options: BreakerOptions,
    private readonly clock: Clock,
    private readonly onStateChange: (state: BreakerState) => void = () => {},
  ) {}

  get current(): BreakerState {
    if (this.state === 'open' && this.clock.now() - this.openedAt >= this.options.cooldownMs)
      this.transition('half_open');
    return this.state;
  }

  /** Whether a call may go to the dependency now. In half-open, only one probe at a time. */
  allows(): boolean {
    const state = this.current;
    if (state === 'closed') return true;
    if (state === 'half_open' && !this.probing) {
      this.probing = true;
      return true;
    }
    return false;
  }

  succeeded() {
    this.failures = 0;
    this.probing = false;
    if (this.state !== 'closed') this.transition('closed');
  }

  failed() {
    this.probing = false;
    this.failures += 1;
    if (
      this.state === 'half_open' ||
      (this.state === 'closed' && this.failures >= this.options.failureThreshold)
    ) {
      this.openedAt = this.clock.now();
      this.transition('open');
    }
  }

  private transition(state: BreakerState) {
    this.state = state;
    this.onStateChange(state);
  }
}
