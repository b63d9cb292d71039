import { caseRandom, MIB } from './hostile-cases.js';

/**
 * Garbage entries for the replicator's sync-event stream (issue 7), generated from a seed like
 * the other hostile cases. Every entry is invalid by construction (no `event` field, or one that
 * is not a sync event), so the consumer must dead-letter each one, or acknowledge it as invalid,
 * and go on.
 */
export interface StreamGarbage {
  description: string;
  /** Field-value pairs in XADD order; values may be raw bytes. */
  fields: Array<[string | Buffer, string | Buffer]>;
}

const syncedAt = '2026-12-02T00:00:00.000Z';

function bytes(random: ReturnType<typeof caseRandom>, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = random.int(0, 255);
  return out;
}

const INVALID_EVENTS: Array<[string, () => unknown]> = [
  ['not an object: number', () => 42],
  ['not an object: string', () => 'enrollment_channel'],
  ['not an object: null', () => null],
  ['not an object: array', () => [{ table: 'enrollment_channel', syncedAt }]],
  ['unknown table', () => ({ table: 'users', syncedAt })],
  ['no table', () => ({ syncedAt })],
  ['no syncedAt', () => ({ table: 'sc_provisioning' })],
  ['syncedAt not a time', () => ({ table: 'sc_provisioning', syncedAt: 'yesterday' })],
  ['syncedAt out of range', () => ({ table: 'sc_provisioning', syncedAt: '2026-13-45T99:99:99Z' })],
  ['table of the wrong type', () => ({ table: 1, syncedAt })],
  ['ids not an array', () => ({ table: 'population', enrollmentChannelIds: 'ec-0001', syncedAt })],
  ['bad channel ids', () => ({ table: 'population', enrollmentChannelIds: ['ec 1', ''], syncedAt })],
  ['ids of the wrong type', () => ({ table: 'population', populationIds: [{}, 1], syncedAt })],
  ['unknown field', () => ({ table: 'enrollment_channel', syncedAt, evil: true })],
  ['prototype key', () => ({ table: 'enrollment_channel', syncedAt, ['__proto__']: {} })],
  [
    '10,001 ids',
    () => ({
      table: 'sc_benefit_contract',
      enrollmentChannelIds: Array.from({ length: 10_001 }, (_, i) => `ec-${i}`),
      syncedAt,
    }),
  ],
];

const MALFORMED = [
  '{',
  '{"table":',
  "{'table':'population'}",
  '',
  ' ',
  'undefined',
  '{"table":"population",}',
];

export function garbageEntry(seed: number, index: number): StreamGarbage {
  const random = caseRandom(seed ^ 0x5eed, index);
  const variant = random.int(0, 99);
  if (variant < 15) {
    const fields: StreamGarbage['fields'] = [];
    for (let n = random.int(1, 5); n > 0; n--) {
      const name = random.chance(0.5)
        ? random.pick(['table', 'Event', 'events', 'data', ''])
        : bytes(random, 8);
      fields.push([name, bytes(random, random.int(0, 64))]);
    }
    return { description: `${fields.length} random fields, no event`, fields };
  }
  if (variant < 30)
    return { description: 'event of random bytes', fields: [['event', bytes(random, random.int(1, 256))]] };
  if (variant < 40) {
    const text = random.pick(MALFORMED);
    return { description: `event ${JSON.stringify(text)}`, fields: [['event', text]] };
  }
  if (variant < 88) {
    const [label, build] = random.pick(INVALID_EVENTS);
    const extra: StreamGarbage['fields'] = random.chance(0.2) ? [['source', 'hostile']] : [];
    return { description: `event: ${label}`, fields: [...extra, ['event', JSON.stringify(build())]] };
  }
  if (variant < 91) {
    const depth = random.pick([1_000, 10_000, 100_000]);
    return {
      description: `event nested ${depth} levels`,
      fields: [['event', `${'['.repeat(depth)}${']'.repeat(depth)}`]],
    };
  }
  if (variant < 94) {
    const fields: StreamGarbage['fields'] = Array.from({ length: 500 }, (_, i) => [`f${i}`, 'x']);
    fields.push(['event', '{"table":"users"}']);
    return { description: '501 fields, event invalid', fields };
  }
  if (variant < 97) {
    // The last `event` wins when an entry repeats the field: here the last is the bad one.
    return {
      description: 'event twice, the last invalid',
      fields: [
        ['event', JSON.stringify({ table: 'enrollment_channel', syncedAt })],
        ['event', '{"table":"users"}'],
      ],
    };
  }
  const size = random.pick([MIB, 4 * MIB]);
  return random.chance(0.5)
    ? { description: `event of ${size} bytes, not JSON`, fields: [['event', Buffer.alloc(size, 0x78)]] }
    : {
        description: `event with a table name of ${size} bytes`,
        fields: [['event', JSON.stringify({ table: 'x'.repeat(size), syncedAt })]],
      };
}
