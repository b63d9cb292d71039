import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { FeatureFlags } from '../feature-flags/feature-flags.service.js';
import type { LoginSucceeded } from '../login/login-succeeded.event.js';
import { SessionStore } from '../login/session-store.js';
import { PrecacheMetrics } from '../platform/metrics/precache.metrics.js';
import { decideEligibility, type EligibilityPolicy } from './eligibility.js';
import { PrecacheQueue } from './precache.queue.js';

/**
 * Decides, when a sign-in succeeds, whether it warms the upstream, and enqueues the job when it
 * does. Never throws: a skip is counted by reason, an enqueue failure is logged and counted, and
 * the sign-in that caused it has been answered already.
 */
@Injectable()
export class PrecacheScheduler {
  private readonly logger = new Logger(PrecacheScheduler.name);
  private readonly policy: EligibilityPolicy;
  private readonly feature: string;

  constructor(
    private readonly flags: FeatureFlags,
    private readonly queue: PrecacheQueue,
    private readonly metrics: PrecacheMetrics,
    private readonly sessions: SessionStore,
    config: AppConfig,
  ) {
    const { webClientIds, facilityRanges, facilitySpecificIds, featureFlag } = config.precache;
    this.policy = {
      webClientIds: new Set(webClientIds),
      facilityRanges,
      facilitySpecificIds: new Set(facilitySpecificIds),
    };
    this.feature = featureFlag;
  }

  async afterSignIn(event: LoginSucceeded): Promise<void> {
    const { userUuid } = event;
    try {
      const decision = await decideEligibility(event, this.policy, () => this.flagFor(event));
      if (!decision.eligible) {
        this.metrics.jobSkipped(decision.reason);
        this.logger.debug({ msg: 'precache skipped', userUuid, reason: decision.reason });
        return;
      }
      // Redis did not take this sign-in (it is held by this instance until Redis is back): a job
      // now would find no user snapshot. The warm-up is lost like any other enqueue failure.
      if (this.sessions.holds(userUuid)) throw new Error('user snapshot not in redis yet');
      const { jobId, deduplicated } = await this.queue.enqueue(userUuid);
      if (deduplicated) this.metrics.jobDeduplicated();
      else this.metrics.jobEnqueued();
      this.logger.debug({
        msg: deduplicated ? 'precache job deduplicated' : 'precache job enqueued',
        userUuid,
        jobId,
      });
    } catch (error) {
      this.metrics.jobEnqueueFailed();
      this.logger.warn({
        msg: 'precache job could not be enqueued',
        userUuid,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  private async flagFor(event: LoginSucceeded): Promise<boolean | undefined> {
    try {
      return await this.flags.isEnabled(this.feature, event.flipperId);
    } catch {
      return undefined;
    }
  }
}
