import type { Scenario } from '../lib/scenario.js';

export const mariadbOutage: Scenario = {
  id: 'mariadb-outage',
  title: 'MariaDB unreachable for 10 s under gRPC load',
  async run() {
    throw new Error('scenario mariadb-outage is not written yet');
  },
};
