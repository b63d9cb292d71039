import { DependencyUnavailable, InvalidArgument } from '../platform/errors/domain-errors.js';
import { FeatureFlagsAdminController } from './feature-flags.admin.controller.js';
import type { FeatureFlags } from './feature-flags.service.js';
import type { FlipperStore } from './flipper-store.js';

/** A flag store whose Redis commands time out, as ioredis reports it. */
const timingOutStore = () => {
  const timeout = () => Promise.reject(new Error('Command timed out'));
  return {
    read: timeout,
    setBoolean: timeout,
    setPercentageOfActors: timeout,
    setActors: timeout,
  } as unknown as FlipperStore;
};

describe(FeatureFlagsAdminController.name, () => {
  const flags = { forget: () => undefined } as unknown as FeatureFlags;

  describe('show', () => {
    it('answers DependencyUnavailable (503), not an unknown error (500), when the store times out', async () => {
      const sut = new FeatureFlagsAdminController(timingOutStore(), flags);
      await expect(sut.show('some_flag')).rejects.toBeInstanceOf(DependencyUnavailable);
    });

    it('still refuses a bad name before touching the store', async () => {
      const sut = new FeatureFlagsAdminController(timingOutStore(), flags);
      await expect(sut.show('bad name')).rejects.toBeInstanceOf(InvalidArgument);
    });
  });

  describe('update', () => {
    it('answers DependencyUnavailable when the store times out', async () => {
      const sut = new FeatureFlagsAdminController(timingOutStore(), flags);
      await expect(sut.update('some_flag', { percentageOfActors: 10 })).rejects.toBeInstanceOf(
        DependencyUnavailable,
      );
    });
  });
});
