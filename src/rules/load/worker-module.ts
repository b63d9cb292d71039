import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * How a worker thread of the pool starts: from the worker module beside this file. The build
 * (dist/) is plain JavaScript. Run from the TypeScript sources (jest), the thread cannot load
 * `.ts` by itself, so it first preloads a shim that compiles `.ts` with swc, as jest does.
 */
export function rulesLoadWorkerModule(): { filename: string; execArgv?: string[] } {
  const here = fileURLToPath(import.meta.url);
  const extension = extname(here);
  const filename = join(dirname(here), `rules-load.worker${extension}`);
  if (extension !== '.ts') return { filename };
  const shim = join(dirname(here), 'typescript-worker.cjs');
  return { filename, execArgv: [...process.execArgv, '--require', shim] };
}
