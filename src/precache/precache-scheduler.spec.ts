import { Logger } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import type { FeatureFlags } from '../feature-flags/feature-flags.service.js';
import type { LoginSucceeded } from '../login/login-succeeded.event.js';
import type { SessionStore } from '../login/session-store.js';
import { DependencyUnavailable } from '../platform/errors/domain-errors.js';
import type { PrecacheMetrics } from '../platform/metrics/precache.metrics.js';
import type { PrecacheQueue } from './precache.queue.js';
import { PrecacheScheduler } from './precache-scheduler.js';

const EVENT: LoginSucceeded = {
  userUuid: 'u-1',
  clientId: 'vaweb',
  vaTreatmentFacilityIds: ['983'],
  flipperId: 'user@example.com',
  signedInAt: '2026-01-01T00:00:00.000Z',
};

function build(
  flag: () => Promise<boolean>,
  enqueue: () => Promise<{ jobId: string; deduplicated: boolean }>,
  held = false,
) {
  const metrics = {
    jobSkipped: jest.fn(),
    jobEnqueued: jest.fn(),
    jobDeduplicated: jest.fn(),
    jobEnqueueFailed: jest.fn(),
  };
  const queue = { enqueue: jest.fn(enqueue) };
  const config = {
    precache: {
      featureFlag: 'f',
      webClientIds: ['vaweb'],
      facilityRanges: [[983, 984]],
      facilitySpecificIds: [],
    },
  } as unknown as AppConfig;
  const sut = new PrecacheScheduler(
    { isEnabled: jest.fn(flag) } as unknown as FeatureFlags,
    queue as unknown as PrecacheQueue,
    metrics as unknown as PrecacheMetrics,
    { holds: () => held } as unknown as SessionStore,
    config,
  );
  return { sut, metrics, queue };
}

describe(PrecacheScheduler.name, () => {
  beforeAll(() => Logger.overrideLogger(false));

  describe('afterSignIn', () => {
    it('enqueues an eligible sign-in and counts it', async () => {
      const { sut, metrics, queue } = build(
        async () => true,
        async () => ({ jobId: 'j', deduplicated: false }),
      );
      await sut.afterSignIn(EVENT);
      expect(queue.enqueue).toHaveBeenCalledWith('u-1');
      expect(metrics.jobEnqueued).toHaveBeenCalledTimes(1);
    });

    it('counts an enqueue failure, enqueueing nothing, while the user snapshot is held out of Redis', async () => {
      const { sut, metrics, queue } = build(
        async () => true,
        async () => ({ jobId: 'j', deduplicated: false }),
        true,
      );
      await sut.afterSignIn(EVENT);
      expect(queue.enqueue).not.toHaveBeenCalled();
      expect(metrics.jobEnqueueFailed).toHaveBeenCalledTimes(1);
    });

    it('counts a sign-in folded into an existing job as deduplicated, not enqueued', async () => {
      const { sut, metrics } = build(
        async () => true,
        async () => ({ jobId: 'older', deduplicated: true }),
      );
      await sut.afterSignIn(EVENT);
      expect(metrics.jobDeduplicated).toHaveBeenCalledTimes(1);
      expect(metrics.jobEnqueued).not.toHaveBeenCalled();
    });

    it('counts a skip by its reason and enqueues nothing', async () => {
      const { sut, metrics, queue } = build(
        async () => true,
        async () => ({ jobId: 'j', deduplicated: false }),
      );
      await sut.afterSignIn({ ...EVENT, clientId: 'vamobile' });
      expect(metrics.jobSkipped).toHaveBeenCalledWith('mobile_client');
      expect(queue.enqueue).not.toHaveBeenCalled();
    });

    it('skips with flag_unavailable when the flag store cannot be read', async () => {
      const { sut, metrics } = build(
        async () => {
          throw new DependencyUnavailable('feature flag store');
        },
        async () => ({ jobId: 'j', deduplicated: false }),
      );
      await sut.afterSignIn(EVENT);
      expect(metrics.jobSkipped).toHaveBeenCalledWith('flag_unavailable');
    });

    it('counts an enqueue failure and never throws', async () => {
      const { sut, metrics } = build(
        async () => true,
        async () => {
          throw new Error('Stream isn’t writeable');
        },
      );
      await expect(sut.afterSignIn(EVENT)).resolves.toBeUndefined();
      expect(metrics.jobEnqueueFailed).toHaveBeenCalledTimes(1);
    });
  });
});
