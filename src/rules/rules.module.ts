import { Module } from '@nestjs/common';
import { RulesGrpcController } from './rules.grpc-controller.js';
import { RulesRepository } from './rules.repository.js';
import { RulesService } from './rules.service.js';

@Module({
  controllers: [RulesGrpcController],
  providers: [RulesRepository, RulesService],
  exports: [RulesRepository, RulesService],
})
export class RulesModule {}
