// The registry this project installs from answers 404 for the platform builds of native
// packages that do not match this machine (e.g. @swc/core-darwin-arm64), so `npm install`
// leaves them out of package-lock.json, and npm 11's `npm ci` then refuses the lockfile
// ("Missing: ... from lock file"). This adds each missing optional platform package back as an
// entry whose os/cpu/libc (read from its name) make npm skip it on other platforms, exactly as
// it would skip a fully recorded one. Run after changing dependencies: `npm run lock:complete`.
import { readFileSync, writeFileSync } from 'node:fs';

const OS = [
  'android',
  'darwin',
  'linux',
  'win32',
  'freebsd',
  'openbsd',
  'netbsd',
  'sunos',
  'aix',
  'openharmony',
  'wasm32',
];
const CPU = ['arm64', 'x64', 'arm', 'ia32', 'ppc64', 's390x', 'riscv64', 'loong64', 'wasm32'];
const tokens = (name) => name.split('/').pop().split(/[-_]/);

function platformOf(name) {
  const parts = tokens(name);
  const os = OS.find((o) => parts.includes(o));
  let cpu = CPU.find((c) => parts.includes(c));
  if (!cpu && parts.includes('arm')) cpu = 'arm';
  if (!cpu && parts.includes('x86')) cpu = 'ia32';
  if (!os || !cpu) return undefined;
  const libc =
    parts.includes('musl') || parts.includes('musleabihf')
      ? ['musl']
      : os === 'linux' && parts.includes('gnu')
        ? ['glibc']
        : undefined;
  return { os: [os === 'wasm32' ? 'any' : os], cpu: [cpu], ...(libc ? { libc } : {}) };
}

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const packages = lock.packages;
let added = 0;
for (const [path, entry] of Object.entries(packages)) {
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = `${path}/node_modules/${dep}`;
    const top = `node_modules/${dep}`;
    if (packages[nested] || packages[top]) continue;
    const platform = platformOf(dep);
    if (!platform) continue;
    packages[top] = { version, ...(entry.dev ? { dev: true } : {}), optional: true, ...platform };
    added += 1;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lockfile: added ${added} platform entries`);
