import { Injectable } from '@nestjs/common';
import { ChannelNotFound } from '../platform/errors/domain-errors.js';
import { parseEnrollmentChannelId } from './enrollment-channel-id.js';
import { RulesRepository } from './rules.repository.js';
import type { CoverageRules, PopulationMembershipRules } from './rules.types.js';

/** The read path: validate the id, read one snapshot, and say NOT_FOUND for unknown channels. */
@Injectable()
export class RulesService {
  constructor(private readonly repository: RulesRepository) {}

  async getCoverageRules(enrollmentChannelId: unknown, signal?: AbortSignal): Promise<CoverageRules> {
    const id = parseEnrollmentChannelId(enrollmentChannelId);
    const rules = await this.repository.loadCoverageRules(id, signal);
    if (!rules) throw new ChannelNotFound(id);
    return rules;
  }

  async getPopulationMembershipRules(
    enrollmentChannelId: unknown,
    signal?: AbortSignal,
  ): Promise<PopulationMembershipRules> {
    const id = parseEnrollmentChannelId(enrollmentChannelId);
    const rules = await this.repository.loadPopulationMembershipRules(id, signal);
    if (!rules) throw new ChannelNotFound(id);
    return rules;
  }
}
