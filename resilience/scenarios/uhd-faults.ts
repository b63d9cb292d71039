import type { Scenario } from '../lib/scenario.js';

export const uhdFaults: Scenario = {
  id: 'uhd-faults',
  title: 'UHD returns 500 for 50% / times out for 100% of requests',
  async run() {
    throw new Error('scenario uhd-faults is not written yet');
  },
};
