import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { AppConfig } from '../config/app-config.js';
import { bindLoadSignal, callAbortSignal, type UnaryCall } from '../platform/grpc/call-abort-signal.js';
import { RulesCacheMetrics } from '../platform/metrics/rules-cache.metrics.js';
import { CACHED_RULES, type CachedRulesOptions } from './cached-rules.decorator.js';
import { RulesCache } from './rules-cache.js';

/**
 * Cache-aside for gRPC handlers marked @CachedRules: validates the request, builds the key,
 * and answers from the tiered cache, running the handler only to load. With
 * RULES_CACHE_ENABLED=false every call goes straight to the handler (counted as a load).
 */
@Injectable()
export class RulesCacheInterceptor implements NestInterceptor {
  private readonly enabled: boolean;

  constructor(
    private readonly reflector: Reflector,
    private readonly cache: RulesCache,
    private readonly metrics: RulesCacheMetrics,
    config: AppConfig,
  ) {
    this.enabled = config.rulesCache.enabled;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const options = this.reflector.get<CachedRulesOptions | undefined>(CACHED_RULES, context.getHandler());
    if (!options) return next.handle();
    const [request, , call] = context.getArgs<[unknown, unknown, UnaryCall]>();
    const channelId = options.key(request);
    if (!this.enabled) {
      this.metrics.databaseLoad(options.kind);
      return next.handle();
    }
    const load = (signal: AbortSignal): Promise<Buffer> => {
      // The handler reads with the load's signal: shared by every caller, cancelled when all are gone.
      bindLoadSignal(call, signal);
      return lastValueFrom(next.handle()) as Promise<Buffer>;
    };
    // The call's abort signal is made only if this request has to wait for a load (a hit never does).
    return from(this.cache.get(options.kind, channelId, load, () => callAbortSignal(call)));
  }
}
