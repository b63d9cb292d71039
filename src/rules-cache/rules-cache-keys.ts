import { CacheKeys } from '../tiered-cache/cache-keys.js';

/**
 * The two kinds of rules the service caches: each is a namespace of the tiered cache, named as
 * its keys are (`coverage_rules:{enrollment_channel_id}`), and the unit of a whole-kind flush.
 */
export const RULES_KINDS = ['coverage_rules', 'population_membership_rules'] as const;
export type RulesKind = (typeof RULES_KINDS)[number];

/** The name the cache's own Redis bookkeeping goes by (`rules_cache_lock:…`, `rules_cache_generation:…`). */
export const RULES_CACHE_NAME = 'rules_cache';

/** Every Redis name of the rules cache (entries, leases, generations, the bus channel) under `prefix`. */
export const rulesCacheKeys = (prefix: string) => new CacheKeys(prefix, RULES_CACHE_NAME);
