/** What a sign-in leaves for later work (the precache job, health-record reads) to find. */
export interface UserSnapshot {
  readonly userUuid: string;
  readonly icn: string;
  /** Flipper actor id: the lower-cased email, or the uuid. Kept instead of the email itself. */
  readonly flipperId: string;
  readonly clientId: string;
  readonly vaTreatmentFacilityIds: readonly string[];
  readonly signedInAt: string;
}

export interface Session {
  readonly userUuid: string;
  readonly expiresAt: string;
}
