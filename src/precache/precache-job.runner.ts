import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { FeatureFlags } from '../feature-flags/feature-flags.service.js';
import { type JobContext, JobFailedPermanently } from '../infrastructure/queue/job-worker.js';
import { SessionStore } from '../login/session-store.js';
import { PrecacheMetrics } from '../platform/metrics/precache.metrics.js';
import { UhdClient } from '../uhd/uhd.client.js';
import { toUhdError, type UhdError } from '../uhd/uhd-errors.js';
import { uhdEndDate } from '../uhd/uhd-request.js';
import { PRECACHE_ORDER, type UhdResource } from '../uhd/uhd-resources.js';
import type { PrecacheJobData, PrecacheJobResult } from './precache-job.js';
import type { SkipReason } from './precache-outcomes.js';
import { UpstreamPacer, type UpstreamTurn } from './upstream-pacer.js';
import { WarmedResources } from './warmed-resources.js';

interface Fetched {
  readonly resource: UhdResource;
  readonly ms: number;
  readonly error?: UhdError;
}

/** Thrown to end an attempt so BullMQ retries after its backoff; the failed set is already saved. */
export class RetryFailedResources extends Error {
  constructor(failed: readonly UhdResource[]) {
    super(`retrying ${failed.length} failed resource(s): ${failed.join(', ')}`);
    this.name = 'RetryFailedResources';
  }
}

/**
 * One attempt of a precache job: re-checks the flag, loads the user, and warms the upstream's
 * cache for the resources still pending, all in parallel, medications and vitals first. Each
 * resource has its own deadline and failure, so one never stops the others. Each request leaves
 * at a turn reserved from the upstream pacer, which keeps every worker together under the upstream
 * rate limit. A retry fetches only what failed. The job ends with one outcome: completed, partial,
 * failed (or skipped, with a reason).
 */
@Injectable()
export class PrecacheJobRunner {
  private readonly logger = new Logger(PrecacheJobRunner.name);

  constructor(
    private readonly sessions: SessionStore,
    private readonly flags: FeatureFlags,
    private readonly uhd: UhdClient,
    private readonly warmedResources: WarmedResources,
    private readonly metrics: PrecacheMetrics,
    private readonly config: AppConfig,
    private readonly pacer: UpstreamPacer,
  ) {}

  async run(job: JobContext<PrecacheJobData>): Promise<PrecacheJobResult> {
    const started = performance.now();
    const { userUuid } = job.data;
    const finalAttempt = job.attempt >= job.maxAttempts;
    const seconds = () => (performance.now() - started) / 1000;
    const endDate = uhdEndDate();
    // An earlier attempt's work counts only for the same day: the requests differ otherwise.
    const sameDay = job.data.endDate === endDate;
    const warmedEarlier = sameDay ? (job.data.warmed ?? []) : [];
    try {
      const user = await this.sessions.findUser(userUuid);
      if (!user) return this.stop('user_not_found', job, seconds(), warmedEarlier);
      if (!(await this.flags.isEnabled(this.config.precache.featureFlag, user.flipperId)))
        return this.stop('flag_off', job, seconds(), warmedEarlier);
      if (this.uhd.circuitOpen) return this.stop('circuit_open', job, seconds(), warmedEarlier);

      const pending =
        sameDay && job.data.pending
          ? job.data.pending
          : PRECACHE_ORDER.filter((r) => !warmedEarlier.includes(r));
      this.logger.log({
        msg: 'precache job started',
        userUuid,
        jobId: job.id,
        attempt: job.attempt,
        resources: pending.length,
      });
      // The pacer's failures (Redis unreachable here, or in a request's turn.wait a request that
      // kept waking too late) end the attempt and BullMQ retries it: they do not fail a resource.
      const turns = await this.pacer.reserve(pending.length);
      const results = await Promise.all(
        pending.map((resource, i) => this.fetch(resource, turns[i], user.icn, endDate, job)),
      );

      const warmed = PRECACHE_ORDER.filter(
        (r) => warmedEarlier.includes(r) || results.some((f) => f.resource === r && !f.error),
      );
      const failed = results.filter((f) => f.error);
      const failedResources = failed.map((f) => f.resource);
      if (warmed.length > warmedEarlier.length) await this.remember(userUuid, endDate, warmed);

      const retry = failed.length > 0 && !finalAttempt && failed.some((f) => f.error!.retryable);
      const outcome =
        failed.length === 0 ? 'completed' : retry ? 'retrying' : warmed.length > 0 ? 'partial' : 'failed';
      // Saved before the attempt ends, so the next attempt (or the worker that picks the job up
      // after a crash) fetches only what failed.
      if (retry) await job.update({ ...job.data, endDate, warmed, pending: failedResources });
      this.metrics.jobAttemptEnded(outcome, seconds());
      this.logger.log({
        msg: 'precache job completed',
        userUuid,
        jobId: job.id,
        attempt: job.attempt,
        outcome,
        succeeded: warmed.length,
        failed: failed.length,
        durationMs: Math.round(seconds() * 1000),
        slowestResourceMs: Math.round(Math.max(0, ...results.map((f) => f.ms))),
      });

      if (outcome === 'retrying') throw new RetryFailedResources(failedResources);
      if (outcome === 'failed') throw new JobFailedPermanently(`all ${failed.length} resources failed`);
      return { outcome, warmed, failed: failedResources };
    } catch (error) {
      if (error instanceof RetryFailedResources || error instanceof JobFailedPermanently) throw error;
      // A store could not be read (or the retry state not saved); BullMQ retries while attempts remain.
      const outcome = !finalAttempt ? 'retrying' : warmedEarlier.length > 0 ? 'partial' : 'failed';
      this.metrics.jobAttemptEnded(outcome, seconds());
      this.logger.warn({
        msg: 'precache job attempt failed',
        userUuid,
        jobId: job.id,
        attempt: job.attempt,
        outcome,
        error: error instanceof Error ? error.message : String(error),
      });
      throw error;
    }
  }

  private async fetch(
    resource: UhdResource,
    turn: UpstreamTurn,
    icn: string,
    endDate: string,
    job: JobContext<PrecacheJobData>,
  ): Promise<Fetched> {
    await turn.wait(job.signal);
    const started = performance.now();
    try {
      await this.uhd.warm(resource, icn, { endDate, signal: job.signal });
      const ms = performance.now() - started;
      this.metrics.resourceRequested(resource, 'ok', ms / 1000);
      return { resource, ms };
    } catch (caught) {
      const ms = performance.now() - started;
      const error = toUhdError(caught, resource, this.config.uhd.timeoutMs);
      this.metrics.resourceRequested(resource, error.outcome, ms / 1000);
      this.logger.warn({
        msg: 'precache resource failed',
        userUuid: job.data.userUuid,
        jobId: job.id,
        resource,
        outcome: error.outcome,
        error: error.message,
      });
      return { resource, ms, error };
    }
  }

  private async remember(userUuid: string, endDate: string, resources: UhdResource[]) {
    try {
      await this.warmedResources.record(userUuid, { endDate, resources });
    } catch (error) {
      // Only the `warmed` label of later reads depends on this; the upstream is warm either way.
      this.logger.warn({ msg: 'could not record warmed resources', userUuid, error: String(error) });
    }
  }

  /**
   * Ends the job before any upstream call. A job that warmed resources in an earlier attempt ends
   * `partial` (that work stands); one that warmed nothing ends `skipped`, counted by reason.
   */
  private stop(
    reason: SkipReason,
    job: JobContext<PrecacheJobData>,
    seconds: number,
    warmedEarlier: readonly UhdResource[],
  ): PrecacheJobResult {
    const { userUuid } = job.data;
    if (warmedEarlier.length > 0) {
      const failed = PRECACHE_ORDER.filter((r) => !warmedEarlier.includes(r));
      this.metrics.jobAttemptEnded('partial', seconds);
      this.logger.log({
        msg: 'precache job completed',
        userUuid,
        jobId: job.id,
        attempt: job.attempt,
        outcome: 'partial',
        reason,
        succeeded: warmedEarlier.length,
        failed: failed.length,
      });
      return { outcome: 'partial', reason, warmed: warmedEarlier, failed };
    }
    this.metrics.jobSkipped(reason);
    this.metrics.jobAttemptEnded('skipped', seconds);
    this.logger.log({ msg: 'precache job skipped', userUuid, jobId: job.id, reason });
    return { outcome: 'skipped', reason, warmed: [], failed: [] };
  }
}
