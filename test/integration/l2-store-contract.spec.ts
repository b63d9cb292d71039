import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisKeyvStore } from '../../src/infrastructure/redis/redis-keyv.store.js';
import { describeL2StoreContract } from '../support/l2-store-contract.js';
import { deleteKeys } from '../support/test-app.js';

const REDIS_URL = 'redis://127.0.0.1:6379/0';

describeL2StoreContract(`${RedisKeyvStore.name} on Redis`, async () => {
  const prefix = `l2c${randomBytes(4).toString('hex')}:`;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const store = new RedisKeyvStore(redis, `${prefix}*`);
  return {
    store,
    prefix,
    cleanup: async () => {
      await deleteKeys(REDIS_URL, [`${prefix}*`]);
      redis.disconnect();
    },
  };
});
