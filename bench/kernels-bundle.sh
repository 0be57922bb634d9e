#!/bin/bash
# Bundles bench/kernels*.ts with TF.js into .tmp/devbench (plain node, no tsx) with the wasm binaries,
# the pthread worker bootstrap and a compressed node binary, for bench/kernels-device.sh.
set -eu
cd "$(dirname "$0")/.."
mkdir -p .tmp/devbench
npx esbuild bench/kernels.ts bench/kernels-micro.ts --bundle --platform=node --format=esm --target=node20 \
  --outdir=.tmp/devbench --out-extension:.js=.mjs --log-level=warning \
  --banner:js="import { createRequire as __cr } from 'node:module'; import { fileURLToPath as __fu } from 'node:url'; import { dirname as __dn } from 'node:path'; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);"
cp node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm src/engine/wasm-thread-worker.cjs .tmp/devbench/
[ -f .tmp/devbench/node.xz ] || xz -T2 -6 -c "$(command -v node)" > .tmp/devbench/node.xz
