import { Global, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { DomainEventBus } from './domain-events.js';

@Global()
@Module({
  imports: [EventEmitterModule.forRoot({ wildcard: false, ignoreErrors: false, verboseMemoryLeak: true })],
  providers: [DomainEventBus],
  exports: [DomainEventBus],
})
export class EventsModule {}
