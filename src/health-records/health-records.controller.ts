import { Controller, Get, Param } from '@nestjs/common';
import { CurrentSession, SessionAuth } from '../login/session.guard.js';
import type { Session } from '../login/user-snapshot.js';
import { InvalidArgument } from '../platform/errors/domain-errors.js';
import { currentRequestId } from '../platform/logging/request-context.js';
import { isUhdResource, UHD_RESOURCES } from '../uhd/uhd-resources.js';
import { HealthRecordsService } from './health-records.service.js';

@Controller('v0/health-records')
@SessionAuth()
export class HealthRecordsController {
  constructor(private readonly healthRecords: HealthRecordsService) {}

  /** The signed-in user's records: labs, medications, vitals, conditions, allergies or notes. */
  @Get(':resource')
  read(@Param('resource') resource: string, @CurrentSession() session: Session) {
    if (!isUhdResource(resource))
      throw new InvalidArgument('resource', `must be one of ${UHD_RESOURCES.join(', ')}`);
    return this.healthRecords.read(session, resource, currentRequestId());
  }
}
