import type { Scenario } from '../lib/scenario.js';

export const hostileInput: Scenario = {
  id: 'hostile-input',
  title: 'Hostile input',
  async run() {
    throw new Error('scenario hostile-input is not written yet');
  },
};
