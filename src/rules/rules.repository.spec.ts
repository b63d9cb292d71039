import { Database } from '../infrastructure/database/database.js';
import { CONTRACT_PAGE_SIZE, RulesRepository } from './rules.repository.js';

const CH = 'ch-1';

async function memoryDatabase(): Promise<Database> {
  const database = Database.open({
    url: 'sqlite::memory:',
    dialect: 'sqlite',
    poolSize: 1,
    queryTimeoutMs: 1_000,
    seedWhenEmpty: false,
  });
  await database.migrate();
  return database;
}

describe(RulesRepository.name, () => {
  let database: Database;
  let sut: RulesRepository;

  beforeEach(async () => {
    database = await memoryDatabase();
    sut = new RulesRepository(database);
    const db = database.db;
    await db
      .insertInto('enrollment_channel')
      .values([
        { id: CH, name: 'Channel One', is_active: 1, updated_at: '2026-03-01 12:00:00.250' },
        { id: 'ch-2', name: 'Other', is_active: 0, updated_at: '2026-03-02 00:00:00.000' },
      ])
      .execute();
    // Inserted out of order on purpose: the output is ordered by id, not by insertion.
    await db
      .insertInto('sc_benefit_contract')
      .values([
        {
          id: 'bc-b',
          enrollment_channel_id: CH,
          contract_number: 'C2',
          group_number: null,
          plan_type: null,
          effective_date: '2020-01-01',
          termination_date: null,
          updated_at: '2026-01-01 00:00:00',
        },
        {
          id: 'bc-a',
          enrollment_channel_id: CH,
          contract_number: 'C1',
          group_number: 'G1',
          plan_type: 'PPO',
          effective_date: '2019-05-06',
          termination_date: '2030-12-31',
          updated_at: '2026-01-02 03:04:05.600',
        },
        {
          id: 'bc-z',
          enrollment_channel_id: 'ch-2',
          contract_number: 'C9',
          group_number: null,
          plan_type: null,
          effective_date: '2020-01-01',
          termination_date: null,
          updated_at: '2026-01-01 00:00:00',
        },
      ])
      .execute();
    await db
      .insertInto('sc_alpha_prefix_config')
      .values([
        { id: 'ap-2', benefit_contract_id: 'bc-a', alpha_prefix: 'ZZZ' },
        { id: 'ap-1', benefit_contract_id: 'bc-a', alpha_prefix: 'AAA' },
        { id: 'ap-9', benefit_contract_id: 'bc-z', alpha_prefix: 'XXX' },
      ])
      .execute();
    await db
      .insertInto('sc_provisioning')
      .values([
        {
          id: 'pv-2',
          enrollment_channel_id: CH,
          population_id: null,
          service_code: 'DENTAL',
          is_enabled: 0,
          effective_date: '2021-01-01',
          termination_date: null,
        },
        {
          id: 'pv-1',
          enrollment_channel_id: CH,
          population_id: 'pop-a',
          service_code: 'MEDICAL',
          is_enabled: 1,
          effective_date: '2020-01-01',
          termination_date: '2025-01-01',
        },
      ])
      .execute();
    await db
      .insertInto('population')
      .values([
        { id: 'pop-b', enrollment_channel_id: CH, name: 'B', priority: 1 },
        { id: 'pop-a', enrollment_channel_id: CH, name: 'A', priority: 5 },
        { id: 'pop-c', enrollment_channel_id: CH, name: 'C', priority: 1 },
        { id: 'pop-x', enrollment_channel_id: 'ch-2', name: 'X', priority: 0 },
      ])
      .execute();
    await db
      .insertInto('population_membership_rule')
      .values([
        { id: 'r-2', population_id: 'pop-a', attribute: 'state', operator: 'in', value: '["TX","CA"]' },
        { id: 'r-1', population_id: 'pop-a', attribute: 'zip_code', operator: 'prefix', value: '750' },
        { id: 'r-3', population_id: 'pop-b', attribute: 'plan_type', operator: 'eq', value: 'PPO' },
        { id: 'r-4', population_id: 'pop-c', attribute: 'state', operator: 'in', value: 'not json' },
      ])
      .execute();
  });

  afterEach(() => database.close());

  describe('loadCoverageRules', () => {
    it('assembles the channel, its contracts with their alpha prefixes, and its provisioning, ordered by id', async () => {
      const rules = await sut.loadCoverageRules(CH);
      expect(rules).toEqual({
        enrollmentChannel: {
          id: CH,
          name: 'Channel One',
          isActive: true,
          updatedAt: '2026-03-01T12:00:00.250Z',
        },
        benefitContracts: [
          {
            id: 'bc-a',
            contractNumber: 'C1',
            groupNumber: 'G1',
            planType: 'PPO',
            effectiveDate: '2019-05-06',
            terminationDate: '2030-12-31',
            updatedAt: '2026-01-02T03:04:05.600Z',
            alphaPrefixes: ['AAA', 'ZZZ'],
          },
          {
            id: 'bc-b',
            contractNumber: 'C2',
            effectiveDate: '2020-01-01',
            updatedAt: '2026-01-01T00:00:00.000Z',
            alphaPrefixes: [],
          },
        ],
        provisioning: [
          {
            id: 'pv-1',
            populationId: 'pop-a',
            serviceCode: 'MEDICAL',
            isEnabled: true,
            effectiveDate: '2020-01-01',
            terminationDate: '2025-01-01',
          },
          { id: 'pv-2', serviceCode: 'DENTAL', isEnabled: false, effectiveDate: '2021-01-01' },
        ],
      });
    });

    it('leaves null columns out rather than setting them to null', async () => {
      const rules = await sut.loadCoverageRules(CH);
      expect(Object.keys(rules!.benefitContracts[1])).not.toContain('groupNumber');
      expect(Object.keys(rules!.provisioning[1])).not.toContain('populationId');
    });

    it('returns undefined for an unknown channel', async () => {
      await expect(sut.loadCoverageRules('nope')).resolves.toBeUndefined();
    });

    it('reads byte-identical output twice from unchanged data', async () => {
      const first = JSON.stringify(await sut.loadCoverageRules(CH));
      const second = JSON.stringify(await sut.loadCoverageRules(CH));
      expect(second).toBe(first);
    });

    it('pages through more contracts than one page holds, keeping every prefix with its contract', async () => {
      const total = CONTRACT_PAGE_SIZE + 3;
      const contracts = Array.from({ length: total }, (_, i) => ({
        id: `big-${String(i).padStart(6, '0')}`,
        enrollment_channel_id: 'ch-big',
        contract_number: `N${i}`,
        group_number: null,
        plan_type: null,
        effective_date: '2020-01-01',
        termination_date: null,
        updated_at: '2026-01-01 00:00:00',
      }));
      await database.db
        .insertInto('enrollment_channel')
        .values({ id: 'ch-big', name: 'Big', is_active: 1, updated_at: '2026-01-01 00:00:00' })
        .execute();
      for (let i = 0; i < total; i += 500)
        await database.db
          .insertInto('sc_benefit_contract')
          .values(contracts.slice(i, i + 500))
          .execute();
      const boundary = contracts[CONTRACT_PAGE_SIZE - 1].id;
      const after = contracts[CONTRACT_PAGE_SIZE].id;
      await database.db
        .insertInto('sc_alpha_prefix_config')
        .values([
          { id: 'x1', benefit_contract_id: boundary, alpha_prefix: 'LST' },
          { id: 'x2', benefit_contract_id: after, alpha_prefix: 'NXT' },
        ])
        .execute();

      const rules = await sut.loadCoverageRules('ch-big');

      expect(rules!.benefitContracts).toHaveLength(total);
      expect(rules!.benefitContracts.map((c) => c.id)).toEqual(contracts.map((c) => c.id));
      expect(rules!.benefitContracts[CONTRACT_PAGE_SIZE - 1].alphaPrefixes).toEqual(['LST']);
      expect(rules!.benefitContracts[CONTRACT_PAGE_SIZE].alphaPrefixes).toEqual(['NXT']);
    });

    it('stops before reading when the caller has already gone', async () => {
      const controller = new AbortController();
      controller.abort();
      await expect(sut.loadCoverageRules(CH, controller.signal)).rejects.toThrow('cancelled');
    });
  });

  describe('loadPopulationMembershipRules', () => {
    it('orders populations by priority then id, with their rules by id and `in` values as a list', async () => {
      const rules = await sut.loadPopulationMembershipRules(CH);
      expect(rules?.enrollmentChannel.id).toBe(CH);
      expect(rules?.populations).toEqual([
        {
          id: 'pop-b',
          name: 'B',
          priority: 1,
          rules: [{ id: 'r-3', attribute: 'plan_type', operator: 'eq', values: ['PPO'] }],
        },
        {
          id: 'pop-c',
          name: 'C',
          priority: 1,
          rules: [{ id: 'r-4', attribute: 'state', operator: 'in', values: [] }],
        },
        {
          id: 'pop-a',
          name: 'A',
          priority: 5,
          rules: [
            { id: 'r-1', attribute: 'zip_code', operator: 'prefix', values: ['750'] },
            { id: 'r-2', attribute: 'state', operator: 'in', values: ['TX', 'CA'] },
          ],
        },
      ]);
    });

    it('returns undefined for an unknown channel', async () => {
      await expect(sut.loadPopulationMembershipRules('nope')).resolves.toBeUndefined();
    });
  });

  describe('resolvePopulations', () => {
    it('resolves populations to their channels, once each, and names the ones it does not know', async () => {
      await expect(sut.resolvePopulations(['pop-a', 'pop-b', 'pop-x', 'missing'])).resolves.toEqual({
        channelIds: [CH, 'ch-2'],
        unknown: ['missing'],
      });
    });
  });
});
