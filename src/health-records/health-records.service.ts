import { Injectable, Logger } from '@nestjs/common';
import { SessionStore } from '../login/session-store.js';
import type { Session } from '../login/user-snapshot.js';
import { DependencyUnavailable, Unauthenticated } from '../platform/errors/domain-errors.js';
import { PrecacheMetrics } from '../platform/metrics/precache.metrics.js';
import { WarmedResources } from '../precache/warmed-resources.js';
import { UhdClient, type UhdRecord, type UhdRecordsResponse } from '../uhd/uhd.client.js';
import { UhdError } from '../uhd/uhd-errors.js';
import { uhdEndDate } from '../uhd/uhd-request.js';
import type { UhdResource } from '../uhd/uhd-resources.js';

export interface HealthRecords {
  resource: UhdResource;
  count: number;
  records: Array<{ source: 'vista' | 'oracle-health'; resource: UhdRecord }>;
}

const SOURCES = ['vista', 'oracle-health'] as const;

/**
 * A signed-in user's records of one resource, read from UHD with the same request (path and
 * query) the precache job sent, so a warmed upstream answers from its cache. The latency is
 * recorded as `health_record_request_duration_seconds{resource, warmed}`.
 */
@Injectable()
export class HealthRecordsService {
  private readonly logger = new Logger(HealthRecordsService.name);

  constructor(
    private readonly sessions: SessionStore,
    private readonly uhd: UhdClient,
    private readonly warmedResources: WarmedResources,
    private readonly metrics: PrecacheMetrics,
  ) {}

  async read(session: Session, resource: UhdResource, requestId?: string): Promise<HealthRecords> {
    const started = performance.now();
    const user = await this.sessions.findUser(session.userUuid);
    if (!user) throw new Unauthenticated('authorization: session expired or unknown');
    const endDate = uhdEndDate();
    const warmed = this.warmedResources.isWarm(user.userUuid, resource, endDate).catch(() => false);

    let response: UhdRecordsResponse;
    try {
      response = await this.uhd.records(resource, user.icn, { endDate, requestId });
    } catch (error) {
      if (!(error instanceof UhdError)) throw error;
      this.logger.warn({
        msg: 'health-record read failed',
        userUuid: user.userUuid,
        resource,
        outcome: error.outcome,
      });
      throw new DependencyUnavailable('UHD', { cause: error });
    }
    this.metrics.healthRecordRead(resource, await warmed, (performance.now() - started) / 1000);

    const records = SOURCES.flatMap((source) =>
      (response[source]?.entry ?? [])
        .filter((entry) => entry?.resource !== undefined)
        .map((entry) => ({ source, resource: entry.resource! })),
    );
    return { resource, count: records.length, records };
  }
}
