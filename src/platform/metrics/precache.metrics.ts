import { Injectable } from '@nestjs/common';
import {
  InjectMetric,
  makeCounterProvider,
  makeGaugeProvider,
  makeHistogramProvider,
} from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge, Histogram } from 'prom-client';
import type { JobOutcome, ResourceOutcome, SkipReason } from '../../precache/precache-outcomes.js';
import type { UhdResource } from '../../uhd/uhd-resources.js';
import { MetricNames as Names, UPSTREAM_BUCKETS_SECONDS } from './metric-names.js';

export const precacheMetricProviders = [
  makeGaugeProvider({
    name: Names.loginSessionsHeld,
    help: 'Sign-ins held in this process because Redis could not take them; written once it is back, lost if the process dies first.',
  }),
  makeCounterProvider({
    name: Names.precacheJobsEnqueuedTotal,
    help: 'Precache jobs added to the queue (a deduplicated sign-in adds none).',
  }),
  makeCounterProvider({
    name: Names.precacheJobsEnqueueFailedTotal,
    help: 'Eligible sign-ins whose precache job could not be enqueued (sign-in itself succeeded).',
  }),
  makeCounterProvider({
    name: Names.precacheJobsSkippedTotal,
    help: 'Sign-ins and jobs that did not warm the upstream, by reason.',
    labelNames: ['reason'],
  }),
  makeCounterProvider({
    name: Names.precacheJobsDeduplicatedTotal,
    help: 'Eligible sign-ins folded into a job already queued for the same user within the dedup window.',
  }),
  makeCounterProvider({
    name: Names.precacheJobsTotal,
    help: 'Precache jobs finished, by final outcome (completed, partial, failed, skipped).',
    labelNames: ['outcome'],
  }),
  makeHistogramProvider({
    name: Names.precacheJobDurationSeconds,
    help: 'Duration of each precache job attempt, by result (a final outcome or retrying).',
    labelNames: ['outcome'],
    buckets: UPSTREAM_BUCKETS_SECONDS,
  }),
  makeCounterProvider({
    name: Names.precacheResourceRequestsTotal,
    help: 'Upstream resource requests made by precache jobs, by resource and outcome.',
    labelNames: ['resource', 'outcome'],
  }),
  makeHistogramProvider({
    name: Names.precacheResourceDurationSeconds,
    help: 'Duration of each upstream resource request made by a precache job.',
    labelNames: ['resource'],
    buckets: UPSTREAM_BUCKETS_SECONDS,
  }),
  makeHistogramProvider({
    name: Names.precacheUpstreamWaitSeconds,
    help: 'Time each precache upstream request waited for its turn under the upstream rate limit.',
    buckets: [0, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
  }),
  makeCounterProvider({
    name: Names.precacheUpstreamTurnsRetakenTotal,
    help: 'Precache upstream requests that woke too late to keep their turn and took a new one (a stalled or overloaded worker).',
  }),
  makeGaugeProvider({
    name: Names.precacheQueueJobs,
    help: 'Jobs in the precache queue by state, sampled periodically (the same for every instance).',
    labelNames: ['state'],
  }),
  makeHistogramProvider({
    name: Names.healthRecordRequestDurationSeconds,
    help: "Health-record read latency; warmed says whether this user's precache warmed that resource in the upstream's cache window.",
    labelNames: ['resource', 'warmed'],
    buckets: UPSTREAM_BUCKETS_SECONDS,
  }),
];

export type QueueState = 'waiting' | 'active' | 'delayed' | 'completed' | 'failed';

/** The sign-in pre-cache pipeline's metrics, reached by name. */
@Injectable()
export class PrecacheMetrics {
  constructor(
    @InjectMetric(Names.loginSessionsHeld) private readonly held: Gauge<string>,
    @InjectMetric(Names.precacheJobsEnqueuedTotal) private readonly enqueued: Counter<string>,
    @InjectMetric(Names.precacheJobsEnqueueFailedTotal) private readonly enqueueFailed: Counter<string>,
    @InjectMetric(Names.precacheJobsSkippedTotal) private readonly skipped: Counter<string>,
    @InjectMetric(Names.precacheJobsDeduplicatedTotal) private readonly deduplicated: Counter<string>,
    @InjectMetric(Names.precacheJobsTotal) private readonly jobs: Counter<string>,
    @InjectMetric(Names.precacheJobDurationSeconds) private readonly jobSeconds: Histogram<string>,
    @InjectMetric(Names.precacheResourceRequestsTotal) private readonly resources: Counter<string>,
    @InjectMetric(Names.precacheResourceDurationSeconds) private readonly resourceSeconds: Histogram<string>,
    @InjectMetric(Names.precacheUpstreamWaitSeconds) private readonly upstreamWait: Histogram<string>,
    @InjectMetric(Names.precacheUpstreamTurnsRetakenTotal) private readonly turnsRetaken: Counter<string>,
    @InjectMetric(Names.precacheQueueJobs) private readonly queueJobs: Gauge<string>,
    @InjectMetric(Names.healthRecordRequestDurationSeconds) private readonly readSeconds: Histogram<string>,
  ) {}

  sessionsHeld(count: number) {
    this.held.set(count);
  }

  jobEnqueued() {
    this.enqueued.inc();
  }

  jobDeduplicated() {
    this.deduplicated.inc();
  }

  jobEnqueueFailed() {
    this.enqueueFailed.inc();
  }

  jobSkipped(reason: SkipReason) {
    this.skipped.inc({ reason });
  }

  /** One attempt ended: with its final outcome, or `retrying` when another attempt follows. */
  jobAttemptEnded(outcome: JobOutcome | 'retrying', seconds: number) {
    this.jobSeconds.observe({ outcome }, seconds);
    if (outcome !== 'retrying') this.jobs.inc({ outcome });
  }

  resourceRequested(resource: UhdResource, outcome: ResourceOutcome, seconds: number) {
    this.resources.inc({ resource, outcome });
    this.resourceSeconds.observe({ resource }, seconds);
  }

  upstreamWaited(seconds: number) {
    this.upstreamWait.observe(Math.max(0, seconds));
  }

  upstreamTurnRetaken() {
    this.turnsRetaken.inc();
  }

  queueSampled(counts: Record<QueueState, number>) {
    for (const [state, value] of Object.entries(counts)) this.queueJobs.set({ state }, value);
  }

  healthRecordRead(resource: UhdResource, warmed: boolean, seconds: number) {
    this.readSeconds.observe({ resource, warmed: String(warmed) }, seconds);
  }
}
