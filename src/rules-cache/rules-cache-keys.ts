import type { RulesKind } from '../rules/rules.types.js';

/**
 * Every Redis name the rules cache uses, built in one place and shared by the read side, the
 * invalidation side, the admin API and the tests. All sit under the service's key prefix.
 * Entry keys follow DESIGN.md: `coverage_rules:{enrollment_channel_id}`.
 */
export const rulesCacheKey = (prefix: string, kind: RulesKind, enrollmentChannelId: string) =>
  `${prefix}${kind}:${enrollmentChannelId}`;

/** SCAN pattern matching every entry of a kind (for whole-kind invalidation and stats). */
export const rulesCacheKindPattern = (prefix: string, kind: RulesKind) => `${prefix}${kind}:*`;

/** The distributed single-flight lock of one entry key (outside the kind's namespace, so flushes and counts skip it). */
export const rulesCacheLockKey = (prefix: string, entryKey: string) =>
  `${prefix}rules_cache_lock:${entryKey.slice(prefix.length)}`;

/** A kind's generation counter: bumped by a whole-kind invalidation, carried in every entry. */
export const rulesCacheGenerationKey = (prefix: string, kind: RulesKind) =>
  `${prefix}rules_cache_generation:${kind}`;

/** Pub/sub channel on which instances tell each other to drop L1 entries. */
export const rulesCacheInvalidationChannel = (prefix: string) => `${prefix}rules_cache_invalidations`;
