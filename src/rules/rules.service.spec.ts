import { ChannelNotFound, InvalidArgument } from '../platform/errors/domain-errors.js';
import type { RulesLoadPool } from './load/rules-load.pool.js';
import { RulesService } from './rules.service.js';

/** The pool's two loads, answering from a map of channel id → encoded response. */
function fakeLoads(responses: Record<string, Buffer>) {
  const answer = async (id: string) => responses[id];
  return {
    loadCoverageRules: jest.fn(answer),
    loadPopulationMembershipRules: jest.fn(answer),
  };
}

describe(RulesService.name, () => {
  const encoded = Buffer.from([0x0a, 0x02, 0x08, 0x01]);
  let loads: ReturnType<typeof fakeLoads>;
  let sut: RulesService;

  beforeEach(() => {
    loads = fakeLoads({ 'ec-1': encoded });
    sut = new RulesService(loads as unknown as RulesLoadPool);
  });

  describe.each([
    ['getCoverageRules', 'loadCoverageRules'],
    ['getPopulationMembershipRules', 'loadPopulationMembershipRules'],
  ] as const)('%s', (method, load) => {
    it('answers with the bytes the pool encoded, passing the caller’s signal on', async () => {
      const signal = new AbortController().signal;
      await expect(sut[method]('ec-1', signal)).resolves.toBe(encoded);
      expect(loads[load]).toHaveBeenCalledWith('ec-1', signal);
    });

    it('rejects a bad id with InvalidArgument before any load', async () => {
      await expect(sut[method]('not valid!')).rejects.toThrow(InvalidArgument);
      expect(loads[load]).not.toHaveBeenCalled();
    });

    it('says ChannelNotFound for a channel the replica does not have', async () => {
      await expect(sut[method]('ec-404')).rejects.toThrow(ChannelNotFound);
    });
  });
});
