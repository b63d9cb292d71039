import { TimeoutError } from './with-timeout.js';

export interface Deadline {
  /** Aborts when the time is up (reason: TimeoutError) or when the parent signal aborts (its reason). */
  readonly signal: AbortSignal;
  /** Clears the timer and detaches from the parent; call when the work is done. */
  dispose(): void;
}

/**
 * One bound on a piece of work that may span several awaits (a token request, a read, a retry),
 * combined with the caller's own signal. Unlike AbortSignal.any, it detaches from a long-lived
 * parent when disposed, so a worker's shutdown signal does not collect one listener per request.
 */
export function deadline(ms: number, what: string, parent?: AbortSignal): Deadline {
  const controller = new AbortController();
  const onParentAbort = () => controller.abort(parent?.reason);
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener('abort', onParentAbort, { once: true });
  const timer = setTimeout(() => controller.abort(new TimeoutError(what, ms)), ms);
  timer.unref();
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    },
  };
}

/** Settles with `promise`, or rejects with the signal's reason once it aborts. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
