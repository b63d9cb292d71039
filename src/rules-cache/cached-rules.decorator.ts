import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { RulesCacheInterceptor } from './rules-cache.interceptor.js';
import type { RulesKind } from './rules-cache-keys.js';

export const CACHED_RULES = Symbol('CACHED_RULES');

export interface CachedRulesOptions<Request = unknown> {
  /** The cache's kind, also the key namespace (`coverage_rules:{id}`). */
  kind: RulesKind;
  /** The key builder: the request's channel id, validated (throws InvalidArgument otherwise). */
  key: (request: Request) => string;
}

/**
 * Serves a gRPC handler through the tiered rules cache. The handler must answer with the
 * encoded response bytes; it runs only on a miss or a refresh, and a hit answers with the
 * cached bytes as they are.
 */
export function CachedRules<Request>(options: CachedRulesOptions<Request>) {
  return applyDecorators(SetMetadata(CACHED_RULES, options), UseInterceptors(RulesCacheInterceptor));
}
