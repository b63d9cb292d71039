import { decideEligibility, type EligibilityPolicy, isVaPatient } from './eligibility.js';

const policy: EligibilityPolicy = {
  webClientIds: new Set(['vaweb', 'mhv', 'myvahealth', 'ebenefits']),
  facilityRanges: [
    [358, 718],
    [720, 758],
    [983, 984],
    [999, 999],
  ],
  facilitySpecificIds: new Set(['741MM']),
};

describe('decideEligibility', () => {
  it.each`
    clientId         | facilities          | flag         | expected
    ${'vaweb'}       | ${['983']}          | ${true}      | ${'eligible'}
    ${'mhv'}         | ${['358']}          | ${true}      | ${'eligible'}
    ${'myvahealth'}  | ${['718']}          | ${true}      | ${'eligible'}
    ${'ebenefits'}   | ${['999']}          | ${true}      | ${'eligible'}
    ${'vaweb'}       | ${['100', '984GC']} | ${true}      | ${'eligible'}
    ${'vaweb'}       | ${['741MM']}        | ${true}      | ${'eligible'}
    ${'vamobile'}    | ${['983']}          | ${true}      | ${'mobile_client'}
    ${'vaoccmobile'} | ${['983']}          | ${true}      | ${'mobile_client'}
    ${'partnerapp'}  | ${['983']}          | ${true}      | ${'non_web_client'}
    ${'vaweb'}       | ${[]}               | ${true}      | ${'not_va_patient'}
    ${'vaweb'}       | ${['719']}          | ${true}      | ${'not_va_patient'}
    ${'vaweb'}       | ${['357', '759']}   | ${true}      | ${'not_va_patient'}
    ${'vaweb'}       | ${['985', '998']}   | ${true}      | ${'not_va_patient'}
    ${'vaweb'}       | ${['741']}          | ${true}      | ${'eligible'}
    ${'vaweb'}       | ${['ABC']}          | ${true}      | ${'not_va_patient'}
    ${'vaweb'}       | ${['983']}          | ${false}     | ${'flag_off'}
    ${'vaweb'}       | ${['983']}          | ${undefined} | ${'flag_unavailable'}
    ${'vamobile'}    | ${[]}               | ${false}     | ${'mobile_client'}
    ${'vaweb'}       | ${[]}               | ${false}     | ${'not_va_patient'}
  `(
    'gives $expected for $clientId at $facilities with the flag $flag',
    async ({ clientId, facilities, flag, expected }) => {
      const result = await decideEligibility(
        { clientId, vaTreatmentFacilityIds: facilities },
        policy,
        async () => flag,
      );
      expect(result.eligible ? 'eligible' : result.reason).toBe(expected);
    },
  );

  it('does not read the flag for a sign-in the other checks already rule out', async () => {
    const flagOn = jest.fn(async () => true);
    await decideEligibility({ clientId: 'vamobile', vaTreatmentFacilityIds: ['983'] }, policy, flagOn);
    await decideEligibility({ clientId: 'vaweb', vaTreatmentFacilityIds: [] }, policy, flagOn);
    expect(flagOn).not.toHaveBeenCalled();
  });
});

describe('isVaPatient', () => {
  it('reads a facility id like Ruby to_i: leading digits only', () => {
    expect(isVaPatient(['984GC'], policy)).toBe(true);
    expect(isVaPatient(['GC984'], policy)).toBe(false);
  });
});
