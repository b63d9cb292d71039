import { loadavg } from 'node:os';

/**
 * Progress of a scenario on standard error: "step N of M", the time elapsed, and an estimate of
 * the time left. Each step comes with a rough duration; once steps have run, the estimate is
 * scaled by how the real durations compared with the rough ones (a slower machine, a busier one).
 * Each line also shows the machine's 1-minute load average: on two shared cores, a figure
 * measured while something else ran is not the service's own.
 */
export class Progress {
  private readonly started = performance.now();
  private stepStarted = this.started;
  private done = 0;
  private estimatedDoneS = 0;

  constructor(
    private readonly scenario: string,
    private readonly estimatesS: readonly number[],
  ) {}

  /** Announces the next step. */
  step(what: string) {
    if (this.done > 0) this.estimatedDoneS += this.estimatesS[this.done - 1] ?? 0;
    this.done += 1;
    this.stepStarted = performance.now();
    this.print(`step ${this.done} of ${this.estimatesS.length}: ${what}`);
  }

  /** A line within the current step (a repetition, a cell). */
  note(what: string) {
    this.print(`  ${what}`);
  }

  private print(what: string) {
    const now = performance.now();
    const elapsedS = (now - this.started) / 1000;
    const pace = this.estimatedDoneS > 0 ? (this.stepStarted - this.started) / 1000 / this.estimatedDoneS : 1;
    const currentS = Math.max(
      0,
      (this.estimatesS[this.done - 1] ?? 0) * pace - (now - this.stepStarted) / 1000,
    );
    const laterS = this.estimatesS.slice(this.done).reduce((a, b) => a + b, 0) * pace;
    const remainingS = currentS + laterS;
    process.stderr.write(
      `  ${this.scenario}: ${what} (${duration(elapsedS)} elapsed, about ${duration(remainingS)} left; load average ${loadavg()[0].toFixed(1)})\n`,
    );
  }
}

function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}
