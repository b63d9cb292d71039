/**
 * BullMQ's key prefix for this service: a Redis Cluster hash tag derived from REDIS_KEY_PREFIX
 * (`ccs:` gives `{ccs-queue}`), so every key of every queue lands in one slot, as BullMQ's Lua
 * scripts require, and stays apart from other tenants of the same Redis.
 */
export function queueKeyPrefix(redisKeyPrefix: string): string {
  const base = redisKeyPrefix.replace(/[{}]/g, '').replace(/:+$/, '') || 'service';
  return `{${base}-queue}`;
}
