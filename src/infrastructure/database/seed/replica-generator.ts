import type {
  AlphaPrefixConfigTable,
  BenefitContractTable,
  EnrollmentChannelTable,
  PopulationMembershipRuleTable,
  PopulationTable,
  ProvisioningTable,
} from '../schema.js';
import { SeededRandom } from './seeded-random.js';

/** Channels whose shape is fixed, so tests, benchmarks and the demo can name them. */
export const SEEDED_CHANNELS = {
  /** 20 benefit contracts. */
  small: 'ec-0001',
  /** 3,351 benefit contracts: the size at which the source system started failing. */
  large: 'ec-0002',
  /** 70,000 benefit contracts, present only with `--huge`. */
  huge: 'ec-huge-70000',
} as const;

export const SEEDED_SIZES = { small: 20, large: 3_351, huge: 70_000 } as const;

export interface SeedOptions {
  seed: number;
  channels: number;
  includeHugeChannel: boolean;
}

export const DEFAULT_SEED_OPTIONS: SeedOptions = {
  seed: 20_260_101,
  channels: 1_000,
  includeHugeChannel: false,
};

/** Everything that belongs to one channel; the seeder writes a channel at a time. */
export interface ChannelRows {
  channel: EnrollmentChannelTable;
  contracts: BenefitContractTable[];
  alphaPrefixes: AlphaPrefixConfigTable[];
  provisioning: ProvisioningTable[];
  populations: PopulationTable[];
  rules: PopulationMembershipRuleTable[];
}

const PLAN_TYPES = ['HMO', 'PPO', 'EPO', 'POS', 'HDHP', null] as const;
const SERVICE_CODES = [
  'MEDICAL',
  'PHARMACY',
  'DENTAL',
  'VISION',
  'BEHAVIORAL',
  'TELEHEALTH',
  'CARE_MGMT',
  'WELLNESS',
];
const RULE_ATTRIBUTES = [
  'state',
  'zip_code',
  'employer_group',
  'age_band',
  'plan_type',
  'member_type',
  'division',
];
const STATES = ['TX', 'CA', 'NY', 'FL', 'IL', 'PA', 'OH', 'GA', 'NC', 'MI', 'VA', 'WA', 'AZ', 'CO'];
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
/** Fixed, so two seeds of the same options are identical to the byte. */
const EPOCH = Date.UTC(2026, 0, 1);

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const sqlDateTime = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 23);
const DAY = 86_400_000;

export function channelIdFor(index: number): string {
  return `ec-${pad(index, 4)}`;
}

/**
 * How many contracts channel `index` gets: most have 1–50 (exponential, mean about 8), every
 * 50th is a heavy channel with 3,351 or more (20 of them among 1,000).
 */
function contractCount(index: number, rng: SeededRandom): number {
  if (index === 1) return SEEDED_SIZES.small;
  if (index === 2) return SEEDED_SIZES.large;
  if (index % 50 === 0) return SEEDED_SIZES.large + rng.int(0, 2_000);
  return Math.min(50, 1 + Math.floor(-Math.log(1 - rng.next()) * 8));
}

function alphaPrefix(rng: SeededRandom): string {
  return LETTERS[rng.int(0, 25)] + LETTERS[rng.int(0, 25)] + LETTERS[rng.int(0, 25)];
}

function ruleFor(id: string, populationId: string, rng: SeededRandom): PopulationMembershipRuleTable {
  const attribute = rng.pick(RULE_ATTRIBUTES);
  const operator = rng.pick(['eq', 'in', 'prefix'] as const);
  let value: string;
  if (operator === 'in') {
    const values = new Set<string>();
    const count = rng.int(2, 5);
    while (values.size < count)
      values.add(attribute === 'state' ? rng.pick(STATES) : `${attribute}-${rng.int(1, 40)}`);
    value = JSON.stringify([...values].sort());
  } else if (operator === 'prefix') {
    value =
      attribute === 'zip_code'
        ? String(rng.int(100, 999))
        : `${attribute.slice(0, 3).toUpperCase()}${rng.int(1, 9)}`;
  } else {
    value = attribute === 'state' ? rng.pick(STATES) : `${attribute}-${rng.int(1, 40)}`;
  }
  return { id, population_id: populationId, attribute, operator, value };
}

function channelRows(
  id: string,
  name: string,
  active: boolean,
  contractTotal: number,
  rng: SeededRandom,
): ChannelRows {
  const channelUpdated = EPOCH + rng.int(0, 180) * DAY + rng.int(0, DAY - 1);
  const contracts: BenefitContractTable[] = [];
  const alphaPrefixes: AlphaPrefixConfigTable[] = [];
  for (let i = 1; i <= contractTotal; i++) {
    const contractId = `${id}-bc-${pad(i, 6)}`;
    const effective = Date.UTC(2015, 0, 1) + rng.int(0, 3_600) * DAY;
    contracts.push({
      id: contractId,
      enrollment_channel_id: id,
      contract_number: `C${pad(rng.int(0, 99_999_999), 8)}`,
      group_number: rng.chance(0.8) ? `G${pad(rng.int(0, 999_999), 6)}` : null,
      plan_type: rng.pick(PLAN_TYPES),
      effective_date: isoDate(effective),
      termination_date: rng.chance(0.25) ? isoDate(effective + rng.int(30, 2_000) * DAY) : null,
      updated_at: sqlDateTime(channelUpdated - rng.int(0, 365) * DAY),
    });
    const prefixes = rng.int(1, 3);
    for (let k = 1; k <= prefixes; k++) {
      alphaPrefixes.push({
        id: `${contractId}-ap-${k}`,
        benefit_contract_id: contractId,
        alpha_prefix: alphaPrefix(rng),
      });
    }
  }

  const populations: PopulationTable[] = [];
  const rules: PopulationMembershipRuleTable[] = [];
  const populationCount = rng.int(1, 8);
  for (let p = 1; p <= populationCount; p++) {
    const populationId = `${id}-pop-${pad(p, 2)}`;
    populations.push({
      id: populationId,
      enrollment_channel_id: id,
      name: `Population ${p} of ${name}`,
      priority: rng.int(1, 100),
    });
    const ruleCount = rng.int(1, 10);
    for (let r = 1; r <= ruleCount; r++)
      rules.push(ruleFor(`${populationId}-r-${pad(r, 2)}`, populationId, rng));
  }

  const provisioning: ProvisioningTable[] = [];
  const provisioningCount = rng.int(1, 12);
  for (let s = 1; s <= provisioningCount; s++) {
    const effective = Date.UTC(2018, 0, 1) + rng.int(0, 2_500) * DAY;
    provisioning.push({
      id: `${id}-prov-${pad(s, 3)}`,
      enrollment_channel_id: id,
      population_id: rng.chance(0.5) ? rng.pick(populations).id : null,
      service_code: rng.pick(SERVICE_CODES),
      is_enabled: rng.chance(0.85) ? 1 : 0,
      effective_date: isoDate(effective),
      termination_date: rng.chance(0.2) ? isoDate(effective + rng.int(30, 1_500) * DAY) : null,
    });
  }

  return {
    channel: { id, name, is_active: active ? 1 : 0, updated_at: sqlDateTime(channelUpdated) },
    contracts,
    alphaPrefixes,
    provisioning,
    populations,
    rules,
  };
}

/**
 * The demo and benchmark replica, one channel at a time (a 70,000-contract channel is never
 * held beside the rest). Deterministic: every run with the same options yields the same rows.
 */
export function* generateReplica(options: SeedOptions = DEFAULT_SEED_OPTIONS): Generator<ChannelRows> {
  const rng = new SeededRandom(options.seed);
  for (let index = 1; index <= options.channels; index++) {
    const id = channelIdFor(index);
    const active = index <= 2 || !rng.chance(0.05);
    yield channelRows(id, `Enrollment Channel ${pad(index, 4)}`, active, contractCount(index, rng), rng);
  }
  if (options.includeHugeChannel) {
    yield channelRows(SEEDED_CHANNELS.huge, 'Enrollment Channel Huge', true, SEEDED_SIZES.huge, rng);
  }
}
