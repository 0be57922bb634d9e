// Bootstrap for the pthread workers of TF.js's threaded wasm build, in Node.
// TF.js hands emscripten the worker and the main script as Blob URLs, which Node's worker_threads cannot
// load (ERR_WORKER_PATH). This file is the worker instead: it runs the shipped worker code and serves
// its importScripts(blob:...) of the main script from the module on disk.
'use strict';
/* global require, __filename */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS worker: emscripten's worker code needs require */
const { join, dirname } = require('node:path');

const wasmOut = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out');
const { wasmWorkerContents } = require(join(wasmOut, 'tfjs-backend-wasm-threaded-simd.worker.js'));

// The shipped worker expects CommonJS `require` and `__filename` in scope.
// (TF.js escapes newlines the same way before making its Blob: they sit inside string literals.)
new Function('require', '__filename', wasmWorkerContents.replace(/\n/g, '\\n'))(require, __filename);

const shippedImportScripts = globalThis.importScripts;
globalThis.importScripts = (url) => {
  if (typeof url === 'string' && url.startsWith('blob:')) {
    globalThis.WasmBackendModuleThreadedSimd = require(join(wasmOut, 'tfjs-backend-wasm-threaded-simd.js'));
    return;
  }
  shippedImportScripts(url);
};
