import type { Scenario } from '../lib/scenario.js';

export const signInBurst: Scenario = {
  id: 'sign-in-burst',
  title: '100 concurrent sign-ins, then a burst of 10,000',
  async run() {
    throw new Error('scenario sign-in-burst is not written yet');
  },
};
