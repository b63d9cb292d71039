// Builds dist/ when it is missing or older than any source file, so `npm start` works on a
// fresh clone and stays fast on the next run.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const marker = join(root, 'dist/src/main.js');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

const sources = ['src', 'bench', 'demo', 'resilience', 'test/support']
  .map((d) => join(root, d))
  .filter(existsSync);
const configs = ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'].map(
  (f) => statSync(join(root, f)).mtimeMs,
);
const sourceTime = Math.max(...sources.map(newestMtime), ...configs);

if (!existsSync(marker) || statSync(marker).mtimeMs < sourceTime) {
  process.stderr.write('building dist/ ...\n');
  execFileSync(process.execPath, [join(root, 'node_modules/@nestjs/cli/bin/nest.js'), 'build'], {
    cwd: root,
    stdio: 'inherit',
  });
}
