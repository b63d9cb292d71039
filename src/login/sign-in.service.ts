import { Injectable } from '@nestjs/common';
import { flipperIdFor } from '../feature-flags/flipper-gates.js';
import { DomainEventBus, DomainEventNames } from '../platform/events/domain-events.js';
import type { SignInDto } from './dto/sign-in.dto.js';
import { SessionStore } from './session-store.js';
import type { UserSnapshot } from './user-snapshot.js';

/**
 * Records a completed sign-in: stores the user's snapshot and a session, then publishes
 * `login.succeeded` for the after-login actions. The response waits only for its own two Redis
 * writes; whatever the event leads to (flag checks, enqueueing) runs after and cannot fail it.
 */
@Injectable()
export class SignInService {
  constructor(
    private readonly sessions: SessionStore,
    private readonly events: DomainEventBus,
  ) {}

  async signIn(request: SignInDto): Promise<{ sessionId: string; expiresAt: string }> {
    const signedInAt = request.signedInAt
      ? new Date(request.signedInAt).toISOString()
      : new Date().toISOString();
    const user: UserSnapshot = {
      userUuid: request.userUuid,
      icn: request.icn,
      flipperId: flipperIdFor({ email: request.email, userUuid: request.userUuid }),
      clientId: request.clientId,
      vaTreatmentFacilityIds: request.vaTreatmentFacilityIds,
      signedInAt,
    };
    const session = await this.sessions.create(user);
    this.events.publish(DomainEventNames.loginSucceeded, {
      userUuid: user.userUuid,
      clientId: user.clientId,
      vaTreatmentFacilityIds: user.vaTreatmentFacilityIds,
      flipperId: user.flipperId,
      signedInAt,
    });
    return session;
  }
}
