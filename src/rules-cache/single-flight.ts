import { RequestCancelled } from '../platform/errors/domain-errors.js';

interface Flight<T> {
  promise: Promise<T>;
  controller: AbortController;
  waiters: number;
}

/**
 * Concurrent callers for one key share one load. The load is cancelled only when every
 * caller waiting on it has gone (cancelled or past its deadline); a caller who leaves early
 * gets RequestCancelled at once without disturbing the others.
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
    let flight = this.flights.get(key);
    const joined = flight !== undefined;
    if (!flight) {
      const controller = new AbortController();
      const created: Flight<T> = {
        controller,
        waiters: 0,
        promise: Promise.resolve()
          .then(() => load(controller.signal))
          .finally(() => {
            if (this.flights.get(key) === created) this.flights.delete(key);
          }),
      };
      // Every waiter may have left before the load settles; its outcome must not go unhandled.
      created.promise.catch(() => undefined);
      flight = created;
      this.flights.set(key, flight);
    }
    return { joined, result: this.wait(flight, signal) };
  }

  private wait(flight: Flight<T>, signal?: AbortSignal): Promise<T> {
    flight.waiters += 1;
    if (!signal) return flight.promise;
    if (signal.aborted) {
      this.leave(flight);
      return Promise.reject(new RequestCancelled());
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        this.leave(flight);
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

  private leave(flight: Flight<T>) {
    flight.waiters -= 1;
    if (flight.waiters <= 0) flight.controller.abort();
  }
}
