import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type { LoginSucceeded } from '../login/login-succeeded.event.js';
import { DomainEventNames } from '../platform/events/domain-events.js';
import { PrecacheScheduler } from './precache-scheduler.js';

/**
 * Seed 000's `AfterLoginActions`: runs after the sign-in's response is ready (`async`
 * listeners are called on a later turn of the event loop), never throws back into it.
 */
@Injectable()
export class AfterLoginActions {
  constructor(private readonly scheduler: PrecacheScheduler) {}

  @OnEvent(DomainEventNames.loginSucceeded, { async: true, promisify: true, suppressErrors: true })
  handleLoginSucceeded(event: LoginSucceeded): Promise<void> {
    return this.scheduler.afterSignIn(event);
  }
}
