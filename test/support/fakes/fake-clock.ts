import { Clock, RandomSource } from '../../../src/tiered-cache/clock.js';

export class FakeClock extends Clock {
  constructor(private time = Date.UTC(2026, 0, 1)) {
    super();
  }
  now() {
    return this.time;
  }
  advance(ms: number) {
    this.time += ms;
  }
}

/** Returns the queued values in turn, then `fallback`. */
export class FakeRandom extends RandomSource {
  private readonly queue: number[] = [];
  constructor(public fallback = 0.5) {
    super();
  }
  push(...values: number[]) {
    this.queue.push(...values);
  }
  next() {
    return this.queue.shift() ?? this.fallback;
  }
}
