import { Module } from '@nestjs/common';
import { RulesCacheModule } from '../rules-cache/rules-cache.module.js';
import { RulesGrpcController } from './rules.grpc-controller.js';
import { RulesRepository } from './rules.repository.js';
import { RulesService } from './rules.service.js';

@Module({
  imports: [RulesCacheModule],
  controllers: [RulesGrpcController],
  providers: [RulesRepository, RulesService],
  exports: [RulesRepository, RulesService],
})
export class RulesModule {}
