import type { Server } from '@grpc/grpc-js';
import { Logger } from '@nestjs/common';
import { HealthImplementation, type ServingStatus } from 'grpc-health-check';
import { DependencyStateLog } from '../health/dependency-state-log.js';

/** How often an instance whose database did not answer at start asks it again. */
const DATABASE_RETRY_MS = 1_000;

/**
 * `grpc.health.v1.Health` (Check and Watch). The overall status ('') and each served service
 * move together. SERVING means the rules RPCs can be answered: the server runs and the
 * database answered. Redis is not part of it: without Redis the rules are read from the
 * database (the cache fails open), which is degraded, not NOT_SERVING; HTTP /health/ready is
 * where a Redis outage shows.
 *
 * The database must answer once, at start: an instance that never reached it has nothing to
 * answer with. A later database outage does not turn an instance NOT_SERVING: what it has
 * cached still answers, and every instance shares that database, so all of them leaving the
 * pool at once would fail the cached reads too. Once it drains at shutdown it stays NOT_SERVING.
 */
export class GrpcHealth {
  private readonly logger = new Logger(GrpcHealth.name);
  private readonly implementation: HealthImplementation;
  private draining = false;
  private retry?: NodeJS.Timeout;

  constructor(private readonly services: readonly string[]) {
    this.implementation = new HealthImplementation(
      Object.fromEntries(['', ...services].map((name) => [name, 'NOT_SERVING' as ServingStatus])),
    );
  }

  addToServer(server: Server) {
    this.implementation.addToServer(server);
  }

  /** `false` is the drain at shutdown, and final: a later `true` no longer turns it SERVING. */
  setServing(serving: boolean) {
    if (!serving) {
      this.draining = true;
      clearTimeout(this.retry);
    } else if (this.draining) return;
    const status: ServingStatus = serving ? 'SERVING' : 'NOT_SERVING';
    for (const name of ['', ...this.services]) this.implementation.setStatus(name, status);
  }

  /**
   * Turns SERVING once `databaseAnswers` resolves. Waits for the first try only (the caller
   * bounds it); if that fails, it tries again in the background every second, so startup never
   * waits for the database. The first failure and the recovery are logged, not each try.
   */
  async serveOnceDatabaseAnswers(databaseAnswers: () => Promise<unknown>): Promise<void> {
    const database = new DependencyStateLog(this.logger, {
      down: 'database not answering; gRPC health stays NOT_SERVING until it does',
      back: 'database answered; gRPC health is SERVING',
    });
    const attempt = async () => {
      try {
        await databaseAnswers();
        database.succeeded();
        this.setServing(true);
      } catch (error) {
        database.failed(error);
        if (!this.draining) {
          this.retry = setTimeout(() => void attempt(), DATABASE_RETRY_MS);
          this.retry.unref();
        }
      }
    };
    await attempt();
  }
}
