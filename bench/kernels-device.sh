#!/bin/bash
# Runs the kernel benchmarks from a self-contained bundle (see bench/kernels-bundle.sh) on another
# machine, pinned to 2 cores like the project's machines. Results go to $OUT.
set -u
cd "$(dirname "$0")/../.tmp/devbench"
NODE=node
if ! command -v node >/dev/null || [ "$(node -v | cut -d. -f1)" != "v20" ]; then
  xz -dc node.xz > node && chmod +x node && NODE=./node
fi
OUT=${OUT:-/tmp/out}
$NODE -v; lscpu | grep -E "Model name|^CPU\(s\)|L2|L3"
T="taskset -c 2,3"
run() { local name=$1; shift; echo "== $name"; $T "$@" 2>&1 | tee "$OUT/$name.txt"; }
run required-t1 $NODE kernels.mjs --kernels required --threads 1 --steps 6
run all-t1 $NODE kernels.mjs --kernels all --threads 1 --steps 10
run all-t2 $NODE kernels.mjs --kernels all --threads 2 --steps 10
run micro-required-t1 $NODE kernels-micro.mjs --kernels required --reps 4
for c in 100000000 524288 131072; do
  KMNIST_BPF_CHUNK_FLOATS=$c run micro-all-t1-chunk$c $NODE kernels-micro.mjs --reps 4
done
run micro-all-t2 $NODE kernels-micro.mjs --threads 2 --reps 4
