import { FakeClock } from '../../../test/support/fakes/fake-clock.js';
import { MemoryL2Store } from '../../../test/support/fakes/memory-l2.store.js';
import { describeL2StoreContract } from '../../../test/support/l2-store-contract.js';

describeL2StoreContract(MemoryL2Store.name, async () => ({
  store: new MemoryL2Store(new FakeClock()),
  prefix: 'test:',
  cleanup: async () => undefined,
}));
