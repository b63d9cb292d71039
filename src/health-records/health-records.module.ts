import { Module } from '@nestjs/common';
import { UhdModule } from '../uhd/uhd.module.js';
import { HealthRecordsController } from './health-records.controller.js';
import { HealthRecordsService } from './health-records.service.js';

@Module({
  imports: [UhdModule],
  controllers: [HealthRecordsController],
  providers: [HealthRecordsService],
})
export class HealthRecordsModule {}
