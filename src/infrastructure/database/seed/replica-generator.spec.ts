import { generateReplica, SEEDED_CHANNELS, SEEDED_SIZES } from './replica-generator.js';

describe(generateReplica.name, () => {
  const channels = [...generateReplica({ seed: 7, channels: 1_000, includeHugeChannel: false })];

  it('is deterministic for a seed', () => {
    const again = [...generateReplica({ seed: 7, channels: 1_000, includeHugeChannel: false })];
    expect(JSON.stringify(again)).toBe(JSON.stringify(channels));
  });

  it('differs for another seed', () => {
    const other = [...generateReplica({ seed: 8, channels: 10, includeHugeChannel: false })];
    expect(JSON.stringify(other)).not.toBe(JSON.stringify(channels.slice(0, 10)));
  });

  it('has the issue’s shape: about 5% inactive, heavy-tailed contract counts', () => {
    const inactive = channels.filter((c) => !c.channel.is_active).length;
    expect(inactive).toBeGreaterThan(25);
    expect(inactive).toBeLessThan(80);
    const counts = channels.map((c) => c.contracts.length);
    expect(counts.filter((n) => n >= 1 && n <= 50).length).toBeGreaterThan(900);
    expect(counts.filter((n) => n >= 3_351).length).toBeGreaterThanOrEqual(20);
  });

  it('gives the named channels their fixed sizes', () => {
    const byId = new Map(channels.map((c) => [c.channel.id, c]));
    expect(byId.get(SEEDED_CHANNELS.small)?.contracts).toHaveLength(SEEDED_SIZES.small);
    expect(byId.get(SEEDED_CHANNELS.large)?.contracts).toHaveLength(SEEDED_SIZES.large);
  });

  it('gives each contract 1–3 alpha prefixes and each channel 1–8 populations of 1–10 rules', () => {
    for (const c of channels.slice(0, 50)) {
      const perContract = new Map<string, number>();
      for (const p of c.alphaPrefixes)
        perContract.set(p.benefit_contract_id, (perContract.get(p.benefit_contract_id) ?? 0) + 1);
      expect(perContract.size).toBe(c.contracts.length);
      for (const n of perContract.values()) expect(n).toBeGreaterThanOrEqual(1);
      for (const n of perContract.values()) expect(n).toBeLessThanOrEqual(3);
      expect(c.populations.length).toBeGreaterThanOrEqual(1);
      expect(c.populations.length).toBeLessThanOrEqual(8);
      expect(c.provisioning.length).toBeGreaterThan(0);
    }
    const operators = new Set(channels.flatMap((c) => c.rules.map((r) => r.operator)));
    expect([...operators].sort()).toEqual(['eq', 'in', 'prefix']);
  });

  it('adds the 70,000-contract channel only when asked', () => {
    const huge = [...generateReplica({ seed: 7, channels: 2, includeHugeChannel: true })].at(-1);
    expect(huge?.channel.id).toBe(SEEDED_CHANNELS.huge);
    expect(huge?.contracts).toHaveLength(70_000);
  });
});
