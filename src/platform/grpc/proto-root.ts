import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository's `proto/` folder, found by walking up from this file, so the same code works
 * from `src/` (tests), from `dist/src/` (the build) and inside the container image.
 */
function findProtoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'proto');
    if (existsSync(join(candidate, 'customer_configuration'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('proto/ folder not found above the service code');
    dir = parent;
  }
}

export const PROTO_ROOT = findProtoRoot();
