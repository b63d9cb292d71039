import { CircuitState, type IBreaker } from 'cockatiel';

export interface TimeWindowBreakerOptions {
  /** Share (0-1) of the window's calls that must have failed to open the circuit: more than this. */
  threshold: number;
  windowMs: number;
  /** Calls the window must hold before their failure share counts. */
  minimumCalls: number;
  now?: () => number;
}

interface Bucket {
  start: number;
  successes: number;
  failures: number;
}

/**
 * Opens the circuit when more than `threshold` of the calls that ended in the last `windowMs`
 * failed, once there were at least `minimumCalls` of them. Unlike cockatiel's SamplingBreaker,
 * whose buckets advance only as calls end (one bucket per call), the window here follows the
 * clock: after a quiet spell, or while every call hangs until its timeout, the successes from
 * before no longer hold the circuit closed for another whole window of failures.
 */
export class TimeWindowBreaker implements IBreaker {
  private readonly threshold: number;
  private readonly minimumCalls: number;
  private readonly bucketMs: number;
  private readonly now: () => number;
  private buckets: Bucket[];

  constructor(options: TimeWindowBreakerOptions) {
    if (!(options.threshold > 0 && options.threshold < 1))
      throw new RangeError(`threshold must be between 0 and 1, got ${options.threshold}`);
    this.threshold = options.threshold;
    this.minimumCalls = options.minimumCalls;
    const count = Math.max(5, Math.ceil(options.windowMs / 1000));
    this.bucketMs = Math.max(1, Math.round(options.windowMs / count));
    this.now = options.now ?? Date.now;
    this.buckets = Array.from({ length: count }, () => ({ start: -Infinity, successes: 0, failures: 0 }));
  }

  /** For cockatiel's toJSON. */
  get state(): unknown {
    return { buckets: this.buckets.map((b) => ({ ...b })) };
  }

  set state(value: unknown) {
    const buckets = (value as { buckets?: Bucket[] } | null)?.buckets;
    if (Array.isArray(buckets) && buckets.length === this.buckets.length)
      this.buckets = buckets.map((b) => ({ ...b }));
  }

  success(state: CircuitState): void {
    // A successful probe closes the circuit: what failed before it is no longer news.
    if (state === CircuitState.HalfOpen) this.reset();
    this.record('successes');
  }

  failure(state: CircuitState): boolean {
    this.record('failures');
    if (state !== CircuitState.Closed) return true;
    const { successes, failures } = this.totals();
    const total = successes + failures;
    return total >= this.minimumCalls && failures > this.threshold * total;
  }

  private record(outcome: 'successes' | 'failures') {
    const now = this.now();
    const start = now - (now % this.bucketMs);
    const index = Math.floor(now / this.bucketMs) % this.buckets.length;
    let bucket = this.buckets[index];
    if (bucket.start !== start) {
      bucket = { start, successes: 0, failures: 0 };
      this.buckets[index] = bucket;
    }
    bucket[outcome] += 1;
  }

  /** Calls in the buckets of the last window, the current one included; older buckets are stale. */
  private totals() {
    const now = this.now();
    const oldest = now - (now % this.bucketMs) - (this.buckets.length - 1) * this.bucketMs;
    let successes = 0;
    let failures = 0;
    for (const bucket of this.buckets) {
      if (bucket.start < oldest) continue;
      successes += bucket.successes;
      failures += bucket.failures;
    }
    return { successes, failures };
  }

  private reset() {
    for (const bucket of this.buckets) {
      bucket.start = -Infinity;
      bucket.successes = 0;
      bucket.failures = 0;
    }
  }
}
