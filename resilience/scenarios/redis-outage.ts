import type { Scenario } from '../lib/scenario.js';

export const redisOutage: Scenario = {
  id: 'redis-outage',
  title: 'Redis stopped for 10 s and restarted, under gRPC load and sign-ins',
  async run() {
    throw new Error('scenario redis-outage is not written yet');
  },
};
