import { type DynamicModule, Module } from '@nestjs/common';
import { UhdModule } from '../uhd/uhd.module.js';
import { AfterLoginActions } from './after-login.listener.js';
import { PrecacheQueue } from './precache.queue.js';
import { PrecacheWorker } from './precache.worker.js';
import { PrecacheJobRunner } from './precache-job.runner.js';
import { PrecacheScheduler } from './precache-scheduler.js';
import { UpstreamPacer } from './upstream-pacer.js';
import { WarmedResources } from './warmed-resources.js';

/**
 * The sign-in pre-cache pipeline. The API side decides eligibility and enqueues after each
 * sign-in; the worker side runs the jobs. A process runs the sides its ROLE asks for.
 */
@Module({})
export class PrecacheModule {
  static forRoot(options: { api: boolean; worker: boolean }): DynamicModule {
    return {
      module: PrecacheModule,
      global: true,
      imports: [UhdModule],
      providers: [
        PrecacheQueue,
        WarmedResources,
        ...(options.api ? [PrecacheScheduler, AfterLoginActions] : []),
        ...(options.worker ? [UpstreamPacer, PrecacheJobRunner, PrecacheWorker] : []),
      ],
      exports: [WarmedResources, PrecacheQueue],
    };
  }
}
