import type { SkipReason } from './precache-outcomes.js';

/** Mobile apps prefetch in their own way (seed 000, open question 1): their sign-ins never warm. */
export const MOBILE_CLIENT_IDS: ReadonlySet<string> = new Set(['vamobile', 'vaoccmobile']);

export interface EligibilityPolicy {
  readonly webClientIds: ReadonlySet<string>;
  /** Inclusive [from, to] ranges of MHV treatment facility numbers. */
  readonly facilityRanges: ReadonlyArray<readonly [number, number]>;
  /** Facility ids that count whatever their number (vets-api's `facility_specific`). */
  readonly facilitySpecificIds: ReadonlySet<string>;
}

export interface SignInFacts {
  readonly clientId: string;
  readonly vaTreatmentFacilityIds: readonly string[];
}

export type Eligibility = { eligible: true } | { eligible: false; reason: SkipReason };

/** Ruby's `String#to_i`: the leading digits ("984GC" is 984), 0 when there are none. */
function facilityNumber(id: string): number {
  const digits = /^\s*(\d+)/.exec(id);
  return digits ? Number(digits[1]) : 0;
}

/** vets-api's `User#va_patient?`: any treatment facility inside the MHV ranges (or listed). */
export function isVaPatient(facilityIds: readonly string[], policy: EligibilityPolicy): boolean {
  return facilityIds.some((id) => {
    if (policy.facilitySpecificIds.has(id)) return true;
    const n = facilityNumber(id);
    return policy.facilityRanges.some(([from, to]) => n >= from && n <= to);
  });
}

/**
 * Whether a sign-in should warm the upstream: a web client, a VA patient, and the flag on for
 * the user, checked in that order so the flag (the only check that may reach Redis) is read
 * only for sign-ins that pass the other two. `flagOn` answers undefined when it cannot tell.
 */
export async function decideEligibility(
  facts: SignInFacts,
  policy: EligibilityPolicy,
  flagOn: () => Promise<boolean | undefined>,
): Promise<Eligibility> {
  if (MOBILE_CLIENT_IDS.has(facts.clientId)) return { eligible: false, reason: 'mobile_client' };
  if (!policy.webClientIds.has(facts.clientId)) return { eligible: false, reason: 'non_web_client' };
  if (!isVaPatient(facts.vaTreatmentFacilityIds, policy))
    return { eligible: false, reason: 'not_va_patient' };
  const flag = await flagOn();
  if (flag === undefined) return { eligible: false, reason: 'flag_unavailable' };
  if (!flag) return { eligible: false, reason: 'flag_off' };
  return { eligible: true };
}
