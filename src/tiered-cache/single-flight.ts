import { RequestCancelled } from '../platform/errors/domain-errors.js';

interface Flight<T> {
  promise: Promise<T>;
  controller: AbortController;
  waiters: number;
}

/**
 * Concurrent callers for one key share one load. The load is cancelled only when every
 * caller waiting on it has gone (cancelled or past its deadline); a caller who leaves early
 * gets RequestCancelled at once without disturbing the others. A flight whose callers have all
 * left is forgotten at that moment, so a caller who comes later starts a new load instead of
 * joining one that is being cancelled.
 */
export class SingleFlight<T> {
  private readonly flights = new Map<string, Flight<T>>();

  /** Whether a load for `key` is under way. */
  has(key: string): boolean {
    return this.flights.has(key);
  }

  /**
   * Joins the load of `key`, starting it with `load` when none runs. `joined` tells the caller
   * whether it shared someone else's load (for the coalescing metric).
   */
  run(
    key: string,
    load: (signal: AbortSignal) => Promise<T>,
    signal?: AbortSignal,
  ): { joined: boolean; result: Promise<T> } {
    const running = this.flights.get(key);
    const flight = running ?? this.start(key, load);
    return { joined: running !== undefined, result: this.wait(key, flight, signal) };
  }

  private start(key: string, load: (signal: AbortSignal) => Promise<T>): Flight<T> {
    const controller = new AbortController();
    const flight: Flight<T> = {
      controller,
      waiters: 0,
      promise: Promise.resolve()
        .then(() => load(controller.signal))
        .finally(() => this.forget(key, flight)),
    };
    // Every waiter may have left before the load settles; its outcome must not go unhandled.
    flight.promise.catch(() => undefined);
    this.flights.set(key, flight);
    return flight;
  }

  private wait(key: string, flight: Flight<T>, signal?: AbortSignal): Promise<T> {
    flight.waiters += 1;
    if (!signal) return flight.promise;
    if (signal.aborted) {
      this.leave(key, flight);
      return Promise.reject(new RequestCancelled());
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        this.leave(key, flight);
        reject(new RequestCancelled());
      };
      signal.addEventListener('abort', onAbort, { once: true });
      flight.promise.then(
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

  private leave(key: string, flight: Flight<T>) {
    flight.waiters -= 1;
    if (flight.waiters > 0) return;
    this.forget(key, flight);
    flight.controller.abort();
  }

  private forget(key: string, flight: Flight<T>) {
    if (this.flights.get(key) === flight) this.flights.delete(key);
  }
}
