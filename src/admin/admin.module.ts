import { Module } from '@nestjs/common';
import { ReplicatorModule } from '../replicator/replicator.module.js';
import { RulesCacheModule } from '../rules-cache/rules-cache.module.js';
import { CacheAdminController } from './cache-admin.controller.js';
import { CacheAdminService } from './cache-admin.service.js';

/** Token-protected operator endpoints (ADMIN_API_TOKEN). */
@Module({
  imports: [RulesCacheModule, ReplicatorModule],
  controllers: [CacheAdminController],
  providers: [CacheAdminService],
})
export class AdminModule {}
