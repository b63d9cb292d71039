import type { RulesRepository } from '../../src/rules/rules.repository.js';

/**
 * Makes the repository's next coverage load read the database at once but hold its answer until
 * `release()`: a slow load that an invalidation can overtake. `read` resolves once it has read.
 */
export function holdNextCoverageLoad(repository: RulesRepository) {
  const original = repository.loadCoverageRules.bind(repository);
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  let readDone!: () => void;
  const read = new Promise<void>((r) => {
    readDone = r;
  });
  jest.spyOn(repository, 'loadCoverageRules').mockImplementationOnce(async (...args) => {
    const rules = await original(...args); // reads the old data
    readDone();
    await gate; // ...and is slow to come back
    return rules;
  });
  return { release, read };
}
