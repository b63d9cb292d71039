import type { Logger } from '@nestjs/common';

export interface DependencyStateMessages {
  /** Logged as a warning, with the error, when the dependency stops answering. */
  down: string;
  /** Logged when it answers again, with how long it was gone and how many attempts failed meanwhile. */
  back: string;
}

/**
 * Whether one dependency answers, as one component sees it, logged only when that changes: a
 * warning when it goes down (with the error that showed it) and one line when it is back. The
 * retries in between are silent, so an outage makes two lines however long it lasts.
 */
export class DependencyStateLog {
  private downSince?: number;
  private failedAttempts = 0;

  constructor(
    private readonly logger: Pick<Logger, 'warn' | 'log'>,
    private readonly messages: DependencyStateMessages,
    private readonly fields: Record<string, unknown> = {},
    private readonly now: () => number = Date.now,
  ) {}

  get down(): boolean {
    return this.downSince !== undefined;
  }

  /** An attempt failed; only the first failure of an outage is logged. */
  failed(error: unknown): void {
    this.failedAttempts += 1;
    if (this.downSince !== undefined) return;
    this.downSince = this.now();
    this.logger.warn({ msg: this.messages.down, ...this.fields, error: errorMessage(error) });
  }

  /** An attempt worked; logged only when it ends an outage. */
  succeeded(): void {
    if (this.downSince === undefined) return;
    this.logger.log({
      msg: this.messages.back,
      ...this.fields,
      downForMs: this.now() - this.downSince,
      failedAttempts: this.failedAttempts,
    });
    this.downSince = undefined;
    this.failedAttempts = 0;
  }
}

function errorMessage(error: unknown): string {
  // Not `instanceof Error`: errors from another realm (a VM context, a worker) fail that check.
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}
