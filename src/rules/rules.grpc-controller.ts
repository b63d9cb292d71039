import { Controller, UseFilters } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { GrpcExceptionFilter } from '../platform/errors/grpc-exception.filter.js';
import { callAbortSignal, type UnaryCall } from '../platform/grpc/call-abort-signal.js';
import { CachedRules } from '../rules-cache/cached-rules.decorator.js';
import { parseEnrollmentChannelId } from './enrollment-channel-id.js';
import { CUSTOMER_CONFIGURATION_SERVICE } from './rules.proto.js';
import { RulesService } from './rules.service.js';

interface ChannelRequest {
  enrollmentChannelId?: unknown;
}

const channelIdOf = (request: ChannelRequest) => parseEnrollmentChannelId(request?.enrollmentChannelId);

/** Handlers answer with encoded responses, which the response serializer passes through (rules.proto.ts). */
@Controller()
@UseFilters(GrpcExceptionFilter)
export class RulesGrpcController {
  constructor(private readonly rules: RulesService) {}

  @GrpcMethod(CUSTOMER_CONFIGURATION_SERVICE, 'GetCoverageRules')
  @CachedRules({ kind: 'coverage_rules', key: channelIdOf })
  getCoverageRules(request: ChannelRequest, _metadata: unknown, call: UnaryCall): Promise<Buffer> {
    return this.rules.getCoverageRules(request.enrollmentChannelId, callAbortSignal(call));
  }

  @GrpcMethod(CUSTOMER_CONFIGURATION_SERVICE, 'GetPopulationMembershipRules')
  @CachedRules({ kind: 'population_membership_rules', key: channelIdOf })
  getPopulationMembershipRules(
    request: ChannelRequest,
    _metadata: unknown,
    call: UnaryCall,
  ): Promise<Buffer> {
    return this.rules.getPopulationMembershipRules(request.enrollmentChannelId, callAbortSignal(call));
  }
}
