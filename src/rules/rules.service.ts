import { Injectable } from '@nestjs/common';
import { ChannelNotFound } from '../platform/errors/domain-errors.js';
import { parseEnrollmentChannelId } from './enrollment-channel-id.js';
import { RulesLoadPool } from './load/rules-load.pool.js';

/**
 * The read path: validate the id here, read one snapshot and encode it on a worker thread, and
 * say NOT_FOUND for unknown channels. Answers are the encoded gRPC responses, exactly the bytes
 * `encodeRulesResponse` gives; database failures arrive as the domain errors (DependencyUnavailable,
 * RequestCancelled).
 */
@Injectable()
export class RulesService {
  constructor(private readonly loads: RulesLoadPool) {}

  /** The encoded GetCoverageRulesResponse. */
  async getCoverageRules(enrollmentChannelId: unknown, signal?: AbortSignal): Promise<Buffer> {
    const id = parseEnrollmentChannelId(enrollmentChannelId);
    const response = await this.loads.loadCoverageRules(id, signal);
    if (!response) throw new ChannelNotFound(id);
    return response;
  }

  /** The encoded GetPopulationMembershipRulesResponse. */
  async getPopulationMembershipRules(enrollmentChannelId: unknown, signal?: AbortSignal): Promise<Buffer> {
    const id = parseEnrollmentChannelId(enrollmentChannelId);
    const response = await this.loads.loadPopulationMembershipRules(id, signal);
    if (!response) throw new ChannelNotFound(id);
    return response;
  }
}
