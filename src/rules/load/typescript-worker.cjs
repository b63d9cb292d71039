'use strict';
/**
 * Preloaded (`--require`) into a rules load worker thread started from the TypeScript sources,
 * as under jest: compiles each required `.ts` file to CommonJS with swc, with jest's options
 * (swc.config.cjs), and resolves the sources' `./x.js` imports to `./x.ts` as jest's
 * moduleNameMapper does. The build (dist/) is plain JavaScript and never loads this file.
 */
const Module = require('node:module');
const { existsSync, readFileSync } = require('node:fs');
const { dirname, resolve } = require('node:path');
const { transformSync } = require('@swc/core');

const SWC_OPTIONS = { ...require('../../../swc.config.cjs'), sourceMaps: 'inline' };

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function resolveTypeScriptSource(request, parent, ...rest) {
  if (parent?.filename?.endsWith('.ts') && request.startsWith('.') && request.endsWith('.js')) {
    const source = resolve(dirname(parent.filename), `${request.slice(0, -'.js'.length)}.ts`);
    if (existsSync(source)) return source;
  }
  return resolveFilename.call(this, request, parent, ...rest);
};

Module._extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(readFileSync(filename, 'utf8'), { ...SWC_OPTIONS, filename });
  module._compile(code, filename);
};
