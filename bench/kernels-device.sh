#!/bin/bash
# Runs the kernel benchmarks from a self-contained bundle (bench/kernels-bundle.sh) on another machine,
# pinned to 2 physical cores like the project's machines; configurations interleaved so drift hits
# all of them alike. Results go to $OUT.
set -u
cd "$(dirname "$0")/../.tmp/devbench"
NODE=node
if ! command -v node >/dev/null || [ "$(node -v | cut -d. -f1)" != "v20" ]; then
  xz -dc node.xz > node && chmod +x node && NODE=./node
fi
OUT=${OUT:-/tmp/out}
# Two CPUs on different physical cores: cpu2 and the first cpu that is not its hyperthread sibling.
SIB=$(cat /sys/devices/system/cpu/cpu2/topology/thread_siblings_list 2>/dev/null || echo 2)
OTHER=$(for c in $(seq 3 15); do grep -qw "$c" <<<"$(echo "$SIB" | tr ',-' '  ')" || { echo $c; break; }; done)
CPUS="2,${OTHER:-3}"
{ $NODE -v; lscpu | grep -E "Model name|^CPU\(s\)|Thread|L2|L3|MHz"; echo "cpu2 siblings: $SIB; pinned to $CPUS"; } | tee "$OUT/machine.txt"
T="taskset -c $CPUS"
run() { local name=$1; shift; echo "== $name"; $T "$@" 2>&1 | tee -a "$OUT/$name.txt"; }
for round in 1 2; do
  run required-t1 $NODE kernels.mjs --kernels required --threads 1 --steps 6 --no-profile
  run all-t1 $NODE kernels.mjs --kernels all --threads 1 --steps 12 --no-profile
  run all-t2 $NODE kernels.mjs --kernels all --threads 2 --steps 12 --no-profile
done
run profile-required-t1 $NODE kernels.mjs --kernels required --threads 1 --steps 2 --models cnn
run profile-all-t1 $NODE kernels.mjs --kernels all --threads 1 --steps 4
run profile-all-t2 $NODE kernels.mjs --kernels all --threads 2 --steps 4
for t in 1 2; do for c in 131072 524288 2097152 100000000; do
  KMNIST_BPF_CHUNK_FLOATS=$c run chunk-t$t-$c $NODE kernels-micro.mjs --threads $t --reps 4 --only conv2
done; done
run micro-all-t1 $NODE kernels-micro.mjs --threads 1 --reps 4
run micro-all-t2 $NODE kernels-micro.mjs --threads 2 --reps 4
