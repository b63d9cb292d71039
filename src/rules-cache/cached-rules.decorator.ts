import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import type { RulesMethod } from '../rules/rules.proto.js';
import type { RulesKind } from '../rules/rules.types.js';
import { RulesCacheInterceptor } from './rules-cache.interceptor.js';

export const CACHED_RULES = Symbol('CACHED_RULES');

export interface CachedRulesOptions<Request = unknown> {
  /** The cache's kind, also the key namespace (`coverage_rules:{id}`). */
  kind: RulesKind;
  /** The proto method whose response bytes are cached. */
  method: RulesMethod;
  /** The key builder: the request's channel id, validated (throws InvalidArgument otherwise). */
  key: (request: Request) => string;
}

/**
 * Serves a gRPC handler through the tiered rules cache. The handler itself runs only on a
 * miss or a refresh; a hit answers with the cached, already encoded response bytes.
 */
export function CachedRules<Request>(options: CachedRulesOptions<Request>) {
  return applyDecorators(SetMetadata(CACHED_RULES, options), UseInterceptors(RulesCacheInterceptor));
}
