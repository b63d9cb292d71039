// Jest runs the TypeScript sources and the ESM-only @nestjs packages as CommonJS through swc:
// native-ESM jest cannot load @willsoto/nestjs-prometheus on Node 20 (see TOOLCHAIN.md).
const swc = ['@swc/jest', require('./swc.config.cjs')];

const shared = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j|mj)s$': swc },
  transformIgnorePatterns: ['/node_modules/(?!@nestjs/)'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
};

module.exports = {
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    // Real servers: starting and closing apps (queues, pools, subscribers) can take seconds on a loaded 2-core machine.
    { ...shared, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.spec.ts'], setupFilesAfterEnv: ['<rootDir>/test/support/real-servers-timeout.ts'] },
    { ...shared, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.spec.ts'], setupFilesAfterEnv: ['<rootDir>/test/support/real-servers-timeout.ts'] },
  ],
};
