/**
 * Published once a sign-in's session is stored (seed 000's `AfterLoginActions` step). Carries
 * what the after-login actions decide on; the ICN stays in the user snapshot, out of events.
 */
export interface LoginSucceeded {
  readonly userUuid: string;
  readonly clientId: string;
  readonly vaTreatmentFacilityIds: readonly string[];
  /** Flipper actor id: the lower-cased email, or the uuid. */
  readonly flipperId: string;
  readonly signedInAt: string;
}
