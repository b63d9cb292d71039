import type { Scenario } from '../lib/scenario.js';

export const instanceKill: Scenario = {
  id: 'instance-kill',
  title: 'Instance SIGKILLed while sync events flow',
  async run() {
    throw new Error('scenario instance-kill is not written yet');
  },
};
