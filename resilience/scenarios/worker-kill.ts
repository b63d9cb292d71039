import type { Scenario } from '../lib/scenario.js';

export const workerKill: Scenario = {
  id: 'worker-kill',
  title: 'Worker SIGKILLed mid-job',
  async run() {
    throw new Error('scenario worker-kill is not written yet');
  },
};
