import type { Kysely, Transaction } from 'kysely';
import { Database } from '../infrastructure/database/database.js';
import { translateDatabaseError } from '../infrastructure/database/database-errors.js';
import type { ReplicaSchema } from '../infrastructure/database/schema.js';
import { RequestCancelled } from '../platform/errors/domain-errors.js';
import { optional, toBoolean, toDate, toTimestamp } from './row-format.js';
import type {
  BenefitContract,
  CoverageRules,
  EnrollmentChannel,
  MembershipRule,
  PopulationMembershipRules,
} from './rules.types.js';

/**
 * Contracts are read a page at a time by keyset (`id > last`), and each page's alpha prefixes
 * by a join on the channel and the page's id range. Every statement binds two or three
 * placeholders whatever the channel's size: the source system bound one per contract and
 * failed with MySQL error 1390 past 65,535.
 */
export const CONTRACT_PAGE_SIZE = 5_000;

type Reader = Kysely<ReplicaSchema> | Transaction<ReplicaSchema>;

/**
 * What a read checks between statements: an AbortSignal on the main thread, a CancelFlag the
 * main thread raises on a worker thread.
 */
export type Cancellation = Pick<AbortSignal, 'aborted'>;

/**
 * Assembles rules from the SQL replica. Each read is one read-only transaction: one snapshot.
 * The rules load threads run it too, so it stays free of Nest (RulesModule provides it).
 */
export class RulesRepository {
  constructor(private readonly database: Database) {}

  /** The channel's coverage rules, or undefined when there is no such channel. */
  async loadCoverageRules(channelId: string, signal?: Cancellation): Promise<CoverageRules | undefined> {
    return this.snapshot(signal, async (trx) => {
      const enrollmentChannel = await this.findChannel(trx, channelId);
      if (!enrollmentChannel) return undefined;
      throwIfAborted(signal);
      const benefitContracts = await this.loadContracts(trx, channelId, signal);
      throwIfAborted(signal);
      const provisioning = (
        await trx
          .selectFrom('sc_provisioning')
          .select(['id', 'population_id', 'service_code', 'is_enabled', 'effective_date', 'termination_date'])
          .where('enrollment_channel_id', '=', channelId)
          .orderBy('id')
          .execute()
      ).map((row) => ({
        id: row.id,
        ...optional('populationId', row.population_id),
        serviceCode: row.service_code,
        isEnabled: toBoolean(row.is_enabled),
        effectiveDate: toDate(row.effective_date),
        ...optional('terminationDate', row.termination_date && toDate(row.termination_date)),
      }));
      return { enrollmentChannel, benefitContracts, provisioning };
    });
  }

  /** The channel's populations (by priority, then id) with their rules, or undefined. */
  async loadPopulationMembershipRules(
    channelId: string,
    signal?: Cancellation,
  ): Promise<PopulationMembershipRules | undefined> {
    return this.snapshot(signal, async (trx) => {
      const enrollmentChannel = await this.findChannel(trx, channelId);
      if (!enrollmentChannel) return undefined;
      throwIfAborted(signal);
      const populations = await trx
        .selectFrom('population')
        .select(['id', 'name', 'priority'])
        .where('enrollment_channel_id', '=', channelId)
        .orderBy('priority')
        .orderBy('id')
        .execute();
      throwIfAborted(signal);
      const ruleRows = await trx
        .selectFrom('population_membership_rule as r')
        .innerJoin('population as p', 'p.id', 'r.population_id')
        .select(['r.id', 'r.population_id', 'r.attribute', 'r.operator', 'r.value'])
        .where('p.enrollment_channel_id', '=', channelId)
        .orderBy('r.population_id')
        .orderBy('r.id')
        .execute();

      const rulesByPopulation = groupBy(ruleRows, (row) => row.population_id);
      return {
        enrollmentChannel,
        populations: populations.map((p) => ({
          id: p.id,
          name: p.name,
          priority: Number(p.priority),
          rules: (rulesByPopulation.get(p.id) ?? []).map(
            (r): MembershipRule => ({
              id: r.id,
              attribute: r.attribute,
              operator: r.operator,
              values: ruleValues(r.operator, r.value),
            }),
          ),
        })),
      };
    });
  }

  /**
   * Resolves populations to the channels that own them (for sync events that name
   * populations), in chunks of 1,000 ids. `unknown` lists ids the replica does not have.
   */
  async resolvePopulations(
    populationIds: readonly string[],
  ): Promise<{ channelIds: string[]; unknown: string[] }> {
    const channels = new Set<string>();
    const found = new Set<string>();
    try {
      for (const chunk of chunks([...new Set(populationIds)], 1_000)) {
        const rows = await this.database.db
          .selectFrom('population')
          .select(['id', 'enrollment_channel_id'])
          .where('id', 'in', chunk)
          .execute();
        for (const row of rows) {
          found.add(row.id);
          channels.add(row.enrollment_channel_id);
        }
      }
    } catch (error) {
      translateDatabaseError(error);
    }
    return { channelIds: [...channels].sort(), unknown: populationIds.filter((id) => !found.has(id)) };
  }

  private async snapshot<T>(signal: Cancellation | undefined, read: (trx: Reader) => Promise<T>): Promise<T> {
    throwIfAborted(signal);
    try {
      return await this.database.db.transaction().setAccessMode('read only').execute(read);
    } catch (error) {
      if (error instanceof RequestCancelled) throw error;
      return translateDatabaseError(error);
    }
  }

  private async findChannel(trx: Reader, channelId: string): Promise<EnrollmentChannel | undefined> {
    const row = await trx
      .selectFrom('enrollment_channel')
      .select(['id', 'name', 'is_active', 'updated_at'])
      .where('id', '=', channelId)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      id: row.id,
      name: row.name,
      isActive: toBoolean(row.is_active),
      updatedAt: toTimestamp(row.updated_at),
    };
  }

  private async loadContracts(
    trx: Reader,
    channelId: string,
    signal?: Cancellation,
  ): Promise<BenefitContract[]> {
    const contracts: BenefitContract[] = [];
    let after = '';
    for (;;) {
      throwIfAborted(signal);
      const page = await trx
        .selectFrom('sc_benefit_contract')
        .select([
          'id',
          'contract_number',
          'group_number',
          'plan_type',
          'effective_date',
          'termination_date',
          'updated_at',
        ])
        .where('enrollment_channel_id', '=', channelId)
        .where('id', '>', after)
        .orderBy('id')
        .limit(CONTRACT_PAGE_SIZE)
        .execute();
      if (page.length === 0) break;

      const first = page[0].id;
      const last = page[page.length - 1].id;
      const prefixes = await trx
        .selectFrom('sc_alpha_prefix_config as a')
        .innerJoin('sc_benefit_contract as c', 'c.id', 'a.benefit_contract_id')
        .select(['a.benefit_contract_id', 'a.alpha_prefix'])
        .where('c.enrollment_channel_id', '=', channelId)
        .where('c.id', '>=', first)
        .where('c.id', '<=', last)
        .orderBy('a.benefit_contract_id')
        .orderBy('a.id')
        .execute();
      const prefixesByContract = groupBy(prefixes, (row) => row.benefit_contract_id);

      for (const row of page) {
        contracts.push({
          id: row.id,
          contractNumber: row.contract_number,
          ...optional('groupNumber', row.group_number),
          ...optional('planType', row.plan_type),
          effectiveDate: toDate(row.effective_date),
          ...optional('terminationDate', row.termination_date && toDate(row.termination_date)),
          updatedAt: toTimestamp(row.updated_at),
          alphaPrefixes: (prefixesByContract.get(row.id) ?? []).map((p) => p.alpha_prefix),
        });
      }
      if (page.length < CONTRACT_PAGE_SIZE) break;
      after = last;
    }
    return contracts;
  }
}

function throwIfAborted(signal?: Cancellation) {
  if (signal?.aborted) throw new RequestCancelled();
}

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const group = groups.get(k);
    if (group) group.push(row);
    else groups.set(k, [row]);
  }
  return groups;
}

function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/**
 * `in` rules hold a JSON array of strings; `eq` and `prefix` hold one value. A malformed `in`
 * value yields no values (matches nothing) rather than a guess.
 */
function ruleValues(operator: string, value: string): string[] {
  if (operator !== 'in') return [value];
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) && parsed.every((v) => typeof v === 'string') ? parsed : [];
  } catch {
    return [];
  }
}
