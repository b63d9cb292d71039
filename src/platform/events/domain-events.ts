import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { LoginSucceeded } from '../../login/login-succeeded.event.js';

/** Every in-process domain event, by name, with its payload type. */
export interface DomainEvents {
  'login.succeeded': LoginSucceeded;
}

export const DomainEventNames = {
  loginSucceeded: 'login.succeeded',
} as const satisfies Record<string, keyof DomainEvents>;

/**
 * Publishes typed domain events. Handlers run after the publisher's current work (they are
 * registered `async`), catch their own failures, and never throw back into the publisher.
 */
@Injectable()
export class DomainEventBus {
  private readonly logger = new Logger(DomainEventBus.name);

  constructor(private readonly emitter: EventEmitter2) {}

  publish<K extends keyof DomainEvents>(name: K, payload: DomainEvents[K]): void {
    try {
      this.emitter.emit(name, payload);
    } catch (error) {
      // A handler registered without `async` that throws must not fail the publisher's work.
      this.logger.error({ msg: 'domain event handler threw', event: name, error: String(error) });
    }
  }
}
