/** BullMQ's limiter: at most `max` job starts per window of `duration` ms. */
export interface WindowLimit {
  readonly max: number;
  readonly duration: number;
}

/** The most job starts a limiter lets into any span of `spanMs`. */
export function worstCaseStarts({ max, duration }: WindowLimit, spanMs = 1000): number {
  // BullMQ opens a window at a job start and counts starts until it expires. A span meets at
  // most ceil(span / duration) windows that open inside it, plus the tail of one that opened
  // before it, whose first start (the one that opened it) falls outside the span.
  return max * Math.ceil(spanMs / duration) + max - 1;
}

/**
 * The BullMQ limiter for "at most `perSecond` jobs started in any `spanMs`". BullMQ's windows
 * are fixed, not sliding: `{max: N, duration: 1000}` lets almost 2N jobs start within one second
 * across a window boundary. This picks the window that guarantees the bound for every span while
 * letting the most jobs through (ties go to the longer window). A span longer than a second
 * leaves room for the time between a job's start and its upstream requests, which varies.
 */
export function limiterFor(perSecond: number, spanMs = 1000): WindowLimit {
  let best: WindowLimit = { max: 1, duration: spanMs };
  let bestRate = 0;
  for (let duration = spanMs; duration >= 1; duration--) {
    const max = Math.floor((perSecond + 1) / (Math.ceil(spanMs / duration) + 1));
    if (max < 1) continue;
    const rate = (max * 1000) / duration;
    if (rate > bestRate + 1e-9) {
      best = { max, duration };
      bestRate = rate;
    }
  }
  return best;
}
