/** BullMQ's limiter: at most `max` job starts per window of `duration` ms. */
export interface WindowLimit {
  readonly max: number;
  readonly duration: number;
}

/** Job starts a window of `duration` ms allowing `max` can put into any one-second span. */
export function worstCaseStartsPerSecond({ max, duration }: WindowLimit): number {
  // BullMQ opens a window at a job start and counts starts until it expires. A one-second span
  // meets at most ceil(1000 / duration) windows that open inside it, plus the tail of one that
  // opened before it, whose first start (the one that opened it) falls outside the span.
  return max * Math.ceil(1000 / duration) + max - 1;
}

/**
 * The BullMQ limiter for "at most `perSecond` jobs in any one second". BullMQ's windows are
 * fixed, not sliding: `{max: N, duration: 1000}` lets almost 2N jobs start within one second
 * across a window boundary. This picks the window that guarantees the bound for every
 * one-second span while letting the most jobs through (ties go to the longer window).
 */
export function limiterFor(perSecond: number): WindowLimit {
  let best: WindowLimit = { max: 1, duration: 1000 };
  let bestRate = 0;
  for (let duration = 1000; duration >= 1; duration--) {
    const max = Math.floor((perSecond + 1) / (Math.ceil(1000 / duration) + 1));
    if (max < 1) continue;
    const rate = (max * 1000) / duration;
    if (rate > bestRate + 1e-9) {
      best = { max, duration };
      bestRate = rate;
    }
  }
  return best;
}
