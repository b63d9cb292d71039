/** Time and chance, injected so tests can drive TTLs, jitter and XFetch deterministically. */
export abstract class Clock {
  abstract now(): number;
}

export class SystemClock extends Clock {
  now() {
    return Date.now();
  }
}

export abstract class RandomSource {
  /** A number in [0, 1). */
  abstract next(): number;
}

export class MathRandom extends RandomSource {
  next() {
    return Math.random();
  }
}
