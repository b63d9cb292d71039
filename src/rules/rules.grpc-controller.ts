import { Controller, UseFilters } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { GrpcExceptionFilter } from '../platform/errors/grpc-exception.filter.js';
import { callAbortSignal, type UnaryCall } from '../platform/grpc/call-abort-signal.js';
import { CUSTOMER_CONFIGURATION_SERVICE } from './rules.proto.js';
import { RulesService } from './rules.service.js';
import type { CoverageRules, PopulationMembershipRules } from './rules.types.js';

interface ChannelRequest {
  enrollmentChannelId?: unknown;
}

@Controller()
@UseFilters(GrpcExceptionFilter)
export class RulesGrpcController {
  constructor(private readonly rules: RulesService) {}

  @GrpcMethod(CUSTOMER_CONFIGURATION_SERVICE, 'GetCoverageRules')
  getCoverageRules(request: ChannelRequest, _metadata: unknown, call: UnaryCall): Promise<CoverageRules> {
    return this.rules.getCoverageRules(request.enrollmentChannelId, callAbortSignal(call));
  }

  @GrpcMethod(CUSTOMER_CONFIGURATION_SERVICE, 'GetPopulationMembershipRules')
  getPopulationMembershipRules(
    request: ChannelRequest,
    _metadata: unknown,
    call: UnaryCall,
  ): Promise<PopulationMembershipRules> {
    return this.rules.getPopulationMembershipRules(request.enrollmentChannelId, callAbortSignal(call));
  }
}
