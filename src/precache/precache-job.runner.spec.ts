import { Logger } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import type { FeatureFlags } from '../feature-flags/feature-flags.service.js';
import { type JobContext, JobFailedPermanently } from '../infrastructure/queue/job-worker.js';
import type { SessionStore } from '../login/session-store.js';
import type { UserSnapshot } from '../login/user-snapshot.js';
import type { PrecacheMetrics } from '../platform/metrics/precache.metrics.js';
import type { UhdClient } from '../uhd/uhd.client.js';
import { UhdHttpError, UhdTimeoutError } from '../uhd/uhd-errors.js';
import { uhdEndDate } from '../uhd/uhd-request.js';
import { PRECACHE_ORDER, type UhdResource } from '../uhd/uhd-resources.js';
import type { PrecacheJobData } from './precache-job.js';
import { PrecacheJobRunner, RetryFailedResources } from './precache-job.runner.js';
import type { UpstreamPacer } from './upstream-pacer.js';
import type { WarmedResources } from './warmed-resources.js';

const USER: UserSnapshot = {
  userUuid: 'u-1',
  icn: '1012845331V153043',
  flipperId: 'user@example.com',
  clientId: 'vaweb',
  vaTreatmentFacilityIds: ['983'],
  signedInAt: '2026-01-01T00:00:00.000Z',
};

/** A UHD client whose resources answer as told, recording the order calls start in. */
class FakeUhd {
  circuitOpen = false;
  started: UhdResource[] = [];
  failures = new Map<UhdResource, Error>();
  async warm(resource: UhdResource): Promise<void> {
    this.started.push(resource);
    await new Promise((r) => setImmediate(r));
    const failure = this.failures.get(resource);
    if (failure) throw failure;
  }
}

function build(
  options: {
    user?: UserSnapshot | undefined;
    flag?: boolean;
    /** What reserving turns does (default: succeed). */
    reserve?: () => Promise<void>;
    /** What waiting for a turn does, by the turn's index (default: its turn has come). */
    wait?: (index: number) => Promise<void>;
  } = {},
) {
  const uhd = new FakeUhd();
  const wait = jest.fn(async (index: number, _signal?: AbortSignal) => options.wait?.(index));
  const pacer = {
    wait,
    reserve: jest.fn(async (count: number) => {
      await options.reserve?.();
      return Array.from({ length: count }, (_, index) => ({
        wait: (signal?: AbortSignal) => wait(index, signal),
      }));
    }),
  };
  const metrics = {
    jobSkipped: jest.fn(),
    jobAttemptEnded: jest.fn(),
    resourceRequested: jest.fn(),
  };
  const warmed = { record: jest.fn(async () => undefined) };
  const user = 'user' in options ? options.user : USER;
  const sut = new PrecacheJobRunner(
    { findUser: async () => user } as unknown as SessionStore,
    { isEnabled: async () => options.flag ?? true } as unknown as FeatureFlags,
    uhd as unknown as UhdClient,
    warmed as unknown as WarmedResources,
    metrics as unknown as PrecacheMetrics,
    { precache: { featureFlag: 'f' }, uhd: { timeoutMs: 1_000 } } as unknown as AppConfig,
    pacer as unknown as UpstreamPacer,
  );
  return { sut, uhd, metrics, warmed, pacer };
}

function job(data: Partial<PrecacheJobData> = {}, attempt = 1, maxAttempts = 3) {
  const context: JobContext<PrecacheJobData> & { saved?: PrecacheJobData } = {
    id: 'job-1',
    data: { userUuid: USER.userUuid, requestedAt: '2026-01-01T00:00:00.000Z', ...data },
    attempt,
    maxAttempts,
    signal: new AbortController().signal,
    async update(next) {
      context.saved = next;
    },
  };
  return context;
}

describe(PrecacheJobRunner.name, () => {
  beforeAll(() => Logger.overrideLogger(false));

  describe('run', () => {
    it('warms all six resources, medications and vitals first, and completes', async () => {
      const { sut, uhd, metrics, warmed } = build();

      const result = await sut.run(job());

      expect(result.outcome).toBe('completed');
      expect(uhd.started.slice(0, 2)).toEqual(['medications', 'vitals']);
      expect([...uhd.started].sort()).toEqual([
        'allergies',
        'conditions',
        'labs',
        'medications',
        'notes',
        'vitals',
      ]);
      expect(metrics.jobAttemptEnded).toHaveBeenCalledWith('completed', expect.any(Number));
      expect(warmed.record).toHaveBeenCalledWith(USER.userUuid, {
        endDate: uhdEndDate(),
        resources: ['medications', 'vitals', 'labs', 'conditions', 'allergies', 'notes'],
      });
    });

    it.each([
      ['user_not_found', { user: undefined }],
      ['flag_off', { flag: false }],
    ])('skips with %s without calling the upstream', async (reason, options) => {
      const { sut, uhd, metrics } = build(options);

      const result = await sut.run(job());

      expect(result).toEqual({ outcome: 'skipped', reason, warmed: [], failed: [] });
      expect(uhd.started).toEqual([]);
      expect(metrics.jobSkipped).toHaveBeenCalledWith(reason);
    });

    it('skips with circuit_open without calling the upstream while the breaker refuses calls', async () => {
      const { sut, uhd, metrics } = build();
      uhd.circuitOpen = true;

      expect((await sut.run(job())).reason).toBe('circuit_open');
      expect(uhd.started).toEqual([]);
      expect(metrics.jobSkipped).toHaveBeenCalledWith('circuit_open');
    });

    it('ends partial, not skipped, when the circuit is open on a retry of a job that warmed some resources', async () => {
      const { sut, uhd, metrics } = build();
      uhd.circuitOpen = true;

      const result = await sut.run(job({ endDate: uhdEndDate(), pending: ['labs'], warmed: ['vitals'] }, 2));

      expect(result).toMatchObject({ outcome: 'partial', reason: 'circuit_open', warmed: ['vitals'] });
      expect(uhd.started).toEqual([]);
      expect(metrics.jobSkipped).not.toHaveBeenCalled();
      expect(metrics.jobAttemptEnded).toHaveBeenCalledWith('partial', expect.any(Number));
    });

    it('reserves one turn per request in one call, and sends each request at its own turn, in order', async () => {
      const gates = Array.from({ length: 6 }, () => {
        let resolve!: () => void;
        const promise = new Promise<void>((r) => {
          resolve = r;
        });
        return { promise, resolve };
      });
      const { sut, uhd, pacer } = build({ wait: (index) => gates[index].promise });
      const context = job();

      const running = sut.run(context);
      await new Promise((r) => setImmediate(r));
      expect(pacer.reserve).toHaveBeenCalledTimes(1);
      expect(pacer.reserve).toHaveBeenCalledWith(6);
      expect(pacer.wait).toHaveBeenCalledTimes(6);
      expect(pacer.wait).toHaveBeenCalledWith(0, context.signal);
      expect(uhd.started).toEqual([]);

      gates[0].resolve();
      gates[1].resolve();
      await new Promise((r) => setImmediate(r));
      expect(uhd.started).toEqual(PRECACHE_ORDER.slice(0, 2));

      for (const gate of gates) gate.resolve();
      expect((await running).outcome).toBe('completed');
      expect(uhd.started).toEqual(PRECACHE_ORDER);
    });

    it('ends the attempt for a retry, calling nothing upstream, when the pacer cannot reach Redis', async () => {
      const { sut, uhd, metrics } = build({
        reserve: async () => {
          throw new Error('Connection is closed.');
        },
      });

      await expect(sut.run(job())).rejects.toThrow('Connection is closed.');

      expect(uhd.started).toEqual([]);
      expect(metrics.jobAttemptEnded).toHaveBeenCalledWith('retrying', expect.any(Number));
      expect(metrics.resourceRequested).not.toHaveBeenCalled();
    });

    it('isolates a failing resource, saves what failed and asks for a retry while attempts remain', async () => {
      const { sut, uhd, metrics } = build();
      uhd.failures.set('labs', new UhdHttpError('labs', 500));
      const context = job();

      await expect(sut.run(context)).rejects.toBeInstanceOf(RetryFailedResources);

      expect(uhd.started).toHaveLength(6);
      expect(context.saved).toMatchObject({
        pending: ['labs'],
        warmed: ['medications', 'vitals', 'conditions', 'allergies', 'notes'],
        endDate: uhdEndDate(),
      });
      expect(metrics.jobAttemptEnded).toHaveBeenCalledWith('retrying', expect.any(Number));
      expect(metrics.resourceRequested).toHaveBeenCalledWith('labs', 'server_error', expect.any(Number));
    });

    it('fetches only the pending resources on a retry and completes with all six warmed', async () => {
      const { sut, uhd, warmed } = build();
      const retry = job(
        {
          endDate: uhdEndDate(),
          pending: ['labs'],
          warmed: ['medications', 'vitals', 'conditions', 'allergies', 'notes'],
        },
        2,
      );

      const result = await sut.run(retry);

      expect(uhd.started).toEqual(['labs']);
      expect(result.outcome).toBe('completed');
      expect(warmed.record).toHaveBeenCalledWith(
        USER.userUuid,
        expect.objectContaining({ resources: expect.arrayContaining(['labs']) }),
      );
    });

    it('starts over with all six when the retry runs on another day', async () => {
      const { sut, uhd } = build();

      await sut.run(job({ endDate: '2001-01-01', pending: ['labs'], warmed: ['vitals'] }, 2));

      expect(uhd.started).toHaveLength(6);
    });

    it('ends partial on the last attempt when some resources were warmed', async () => {
      const { sut, uhd, metrics } = build();
      uhd.failures.set('notes', new UhdTimeoutError('notes', 1_000));

      const result = await sut.run(job({}, 3, 3));

      expect(result).toMatchObject({ outcome: 'partial', failed: ['notes'] });
      expect(metrics.jobAttemptEnded).toHaveBeenCalledWith('partial', expect.any(Number));
    });

    it('ends partial at once when the failures are not worth retrying (4xx)', async () => {
      const { sut, uhd } = build();
      uhd.failures.set('allergies', new UhdHttpError('allergies', 404));

      expect((await sut.run(job({}, 1, 3))).outcome).toBe('partial');
    });

    it('fails the job for good when every resource failed on the last attempt', async () => {
      const { sut, uhd, metrics } = build();
      for (const resource of ['medications', 'vitals', 'labs', 'conditions', 'allergies', 'notes'] as const)
        uhd.failures.set(resource, new UhdHttpError(resource, 503));

      await expect(sut.run(job({}, 3, 3))).rejects.toBeInstanceOf(JobFailedPermanently);
      expect(metrics.jobAttemptEnded).toHaveBeenCalledWith('failed', expect.any(Number));
    });

    it('still completes when the warmed record cannot be written', async () => {
      const { sut, warmed } = build();
      warmed.record.mockRejectedValueOnce(new Error('redis down'));

      expect((await sut.run(job())).outcome).toBe('completed');
    });
  });
});
