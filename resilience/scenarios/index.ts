import type { Scenario } from '../lib/scenario.js';
import { hostileInput } from './hostile-input.js';
import { instanceKill } from './instance-kill.js';
import { mariadbOutage } from './mariadb-outage.js';
import { redisCluster } from './redis-cluster.js';
import { redisOutage } from './redis-outage.js';
import { signInBurst } from './sign-in-burst.js';
import { soak } from './soak.js';
import { uhdFaults } from './uhd-faults.js';
import { workerKill } from './worker-kill.js';

/** Every scenario, in the order the suite runs them. */
export const SCENARIOS: Scenario[] = [
  redisOutage,
  mariadbOutage,
  uhdFaults,
  workerKill,
  instanceKill,
  signInBurst,
  soak,
  redisCluster,
  hostileInput,
];
