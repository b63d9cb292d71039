import { crc32 } from 'node:zlib';
import type { UhdResource } from '../../uhd/uhd-resources.js';

/** mulberry32: a tiny deterministic PRNG, so a patient's records are the same on every request. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)];

function isoDate(random: () => number, endDate: string): string {
  const end = Date.parse(`${endDate}T00:00:00Z`);
  const daysBack = Math.floor(random() * 3_650);
  return new Date(end - daysBack * 86_400_000).toISOString().slice(0, 10);
}

const LABS = ['Basic metabolic panel', 'Complete blood count', 'Lipid panel', 'Hemoglobin A1c', 'TSH'];
const MEDICATIONS = [
  'Lisinopril 10 MG Oral Tablet',
  'Metformin 500 MG Oral Tablet',
  'Atorvastatin 20 MG Oral Tablet',
];
const VITALS = [
  ['Blood pressure', 'mm[Hg]', 120],
  ['Heart rate', '/min', 72],
  ['Body weight', 'kg', 82],
  ['Body temperature', 'Cel', 36.8],
] as const;
const CONDITIONS = [
  'Essential hypertension',
  'Type 2 diabetes mellitus',
  'Tinnitus',
  'Chronic low back pain',
];
const ALLERGIES = ['Penicillin', 'Peanut', 'Latex', 'Sulfonamide'];
const NOTES = ['Primary care progress note', 'Discharge summary', 'Telephone encounter note'];

/** Text that only a record's content carries: a log line holding any of it leaked health data. */
export const RECORD_CONTENT_MARKERS: readonly string[] = [
  ...LABS,
  ...MEDICATIONS,
  ...VITALS.map(([name]) => name),
  ...CONDITIONS,
  ...ALLERGIES,
  ...NOTES,
  'DiagnosticReport',
  'MedicationRequest',
  'AllergyIntolerance',
  'DocumentReference',
];

function record(
  resource: UhdResource,
  random: () => number,
  id: string,
  endDate: string,
): Record<string, unknown> {
  const date = isoDate(random, endDate);
  switch (resource) {
    case 'labs':
      return {
        resourceType: 'DiagnosticReport',
        id,
        status: 'final',
        code: { text: pick(random, LABS) },
        effectiveDateTime: date,
        result: [
          { display: 'Result', valueQuantity: { value: Math.round(random() * 2000) / 10, unit: 'mg/dL' } },
        ],
      };
    case 'medications':
      return {
        resourceType: 'MedicationRequest',
        id,
        status: pick(random, ['active', 'completed', 'stopped']),
        medicationCodeableConcept: { text: pick(random, MEDICATIONS) },
        authoredOn: date,
        dosageInstruction: [{ text: 'Take one tablet by mouth daily' }],
      };
    case 'vitals': {
      const [text, unit, base] = pick(random, VITALS);
      return {
        resourceType: 'Observation',
        id,
        status: 'final',
        category: [{ text: 'vital-signs' }],
        code: { text },
        effectiveDateTime: date,
        valueQuantity: { value: Math.round(base * (0.9 + random() * 0.2) * 10) / 10, unit },
      };
    }
    case 'conditions':
      return {
        resourceType: 'Condition',
        id,
        clinicalStatus: { text: pick(random, ['active', 'resolved']) },
        code: { text: pick(random, CONDITIONS) },
        onsetDateTime: date,
      };
    case 'allergies':
      return {
        resourceType: 'AllergyIntolerance',
        id,
        criticality: pick(random, ['low', 'high']),
        code: { text: pick(random, ALLERGIES) },
        recordedDate: date,
      };
    case 'notes':
      return {
        resourceType: 'DocumentReference',
        id,
        status: 'current',
        type: { text: pick(random, NOTES) },
        date,
        content: [{ attachment: { contentType: 'text/plain', title: 'Note' } }],
      };
  }
}

/**
 * The UHD response body for one patient and resource: FHIR-like records from VistA and Oracle
 * Health, the same on every call for the same patient, resource and end date.
 */
export function syntheticRecords(resource: UhdResource, patientId: string, endDate: string): string {
  const random = prng(crc32(`${patientId}|${resource}`));
  const bundle = (source: string) => {
    const count = 1 + Math.floor(random() * 6);
    return {
      entry: Array.from({ length: count }, (_, i) => ({
        resource: record(resource, random, `${source}-${resource}-${patientId.slice(-6)}-${i + 1}`, endDate),
      })),
    };
  };
  return JSON.stringify({ vista: bundle('vista'), 'oracle-health': bundle('oh') });
}
