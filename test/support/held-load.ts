import type { RulesLoadPool } from '../../src/rules/load/rules-load.pool.js';

/**
 * Makes the pool's next coverage load read the database at once (on its worker thread) but hold
 * its answer on the main thread until `release()`: a slow load that an invalidation can overtake.
 * `read` resolves once it has read.
 */
export function holdNextCoverageLoad(loads: RulesLoadPool) {
  const original = loads.loadCoverageRules.bind(loads);
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  let readDone!: () => void;
  const read = new Promise<void>((r) => {
    readDone = r;
  });
  jest.spyOn(loads, 'loadCoverageRules').mockImplementationOnce(async (...args) => {
    const response = await original(...args); // reads the old data
    readDone();
    await gate; // ...and is slow to come back
    return response;
  });
  return { release, read };
}
