/**
 * Preloaded (`node --require`) into the processes that run testcontainers. testcontainers 12 depends
 * on undici 8, which needs Node 22.19 and fails on load under Node 20 (no zlib zstd, no
 * markAsUncloneable). testcontainers uses undici only for its HTTP wait strategy, so its `undici`
 * is resolved to the undici 7 this repository installs instead, which runs on Node 20.
 */
const Module = require('node:module');
const { dirname } = require('node:path');

const undici7 = dirname(require.resolve('undici/package.json'));
const resolveFilename = Module._resolveFilename;

Module._resolveFilename = function (request, parent, ...rest) {
  const fromTestcontainers = parent?.filename?.includes('/node_modules/testcontainers/');
  const target = request === 'undici' && fromTestcontainers ? undici7 : request;
  return resolveFilename.call(this, target, parent, ...rest);
};
