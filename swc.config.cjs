// How the TypeScript sources are compiled to CommonJS when they run without a build: by jest,
// and by the rules load worker threads that jest's app starts (src/rules/load/typescript-worker.cjs).
module.exports = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    target: 'es2022',
    keepClassNames: true,
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
  },
  module: { type: 'commonjs' },
};
