import type { Scenario } from '../lib/scenario.js';

export const redisCluster: Scenario = {
  id: 'redis-cluster',
  title: 'Happy path on a 3-master Redis Cluster',
  async run() {
    throw new Error('scenario redis-cluster is not written yet');
  },
};
