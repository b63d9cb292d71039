import type { Scenario } from '../lib/scenario.js';

export const soak: Scenario = {
  id: 'soak',
  title: 'Soak at steady gRPC load',
  async run() {
    throw new Error('scenario soak is not written yet');
  },
};
