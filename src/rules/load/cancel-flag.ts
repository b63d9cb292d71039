/**
 * A load's cancellation, shared by two threads: the main thread raises it when the caller's
 * AbortSignal fires, the worker thread reads it between statements (it has the `aborted` the
 * repository checks). A worker is never aborted itself: that would kill the thread and its
 * database connections with it.
 */
export class CancelFlag {
  private readonly cell: Int32Array;

  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT)) {
    this.cell = new Int32Array(buffer);
  }

  get aborted(): boolean {
    return Atomics.load(this.cell, 0) === 1;
  }

  raise(): void {
    Atomics.store(this.cell, 0, 1);
  }

  /** Raises the flag when `signal` fires (at once if it already has); returns what stops listening. */
  follow(signal: AbortSignal | undefined): () => void {
    if (!signal) return () => {};
    if (signal.aborted) {
      this.raise();
      return () => {};
    }
    const raise = () => this.raise();
    signal.addEventListener('abort', raise, { once: true });
    return () => signal.removeEventListener('abort', raise);
  }
}
