/** The six UHD health resources, as they appear in the upstream's paths and in ours. */
export const UHD_RESOURCES = ['allergies', 'labs', 'conditions', 'vitals', 'medications', 'notes'] as const;
export type UhdResource = (typeof UHD_RESOURCES)[number];

/**
 * The order the precache job starts its requests in: medications and vitals are the pages
 * veterans open most (seed 000, phase 2), so their upstream work starts first.
 */
export const PRECACHE_ORDER: readonly UhdResource[] = [
  'medications',
  'vitals',
  'labs',
  'conditions',
  'allergies',
  'notes',
];

export function isUhdResource(value: unknown): value is UhdResource {
  return typeof value === 'string' && (UHD_RESOURCES as readonly string[]).includes(value);
}
