import { Body, Controller, Get, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { AdminAuth } from '../platform/auth/bearer-token.guard.js';
import { currentRequestId } from '../platform/logging/request-context.js';
import { CacheAdminService } from './cache-admin.service.js';
import { CacheFlushRequest } from './cache-flush.request.js';

@Controller('admin/cache')
@AdminAuth()
export class CacheAdminController {
  constructor(private readonly admin: CacheAdminService) {}

  /** Empty body: everything. `{kind}`: one kind. `{enrollmentChannelIds}`: those channels (of `kind`, or both). */
  @Post('flush')
  @HttpCode(HttpStatus.OK)
  flush(@Body() request: CacheFlushRequest) {
    return this.admin.flush(request ?? new CacheFlushRequest(), currentRequestId());
  }

  @Get('stats')
  stats() {
    return this.admin.stats();
  }
}
