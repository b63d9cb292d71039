import type { Server } from '@grpc/grpc-js';
import { HealthImplementation, type ServingStatus } from 'grpc-health-check';

/**
 * `grpc.health.v1.Health` (Check and Watch). The overall status ('') and each served service
 * move together: SERVING once the server runs, NOT_SERVING while it drains at shutdown.
 */
export class GrpcHealth {
  private readonly implementation: HealthImplementation;

  constructor(private readonly services: readonly string[]) {
    this.implementation = new HealthImplementation(
      Object.fromEntries(['', ...services].map((name) => [name, 'NOT_SERVING' as ServingStatus])),
    );
  }

  addToServer(server: Server) {
    this.implementation.addToServer(server);
  }

  setServing(serving: boolean) {
    const status: ServingStatus = serving ? 'SERVING' : 'NOT_SERVING';
    for (const name of ['', ...this.services]) this.implementation.setStatus(name, status);
  }
}
