#!/usr/bin/env bash
# One command on a machine with a GPU (after `npm ci`): img/s of our WebGPU training engine for cnn, fcnn
# and cnn-modern (batch 128, Adam, synthetic 28x28 data; bench/gpu-engine.ts), and PyTorch CUDA's on the
# same card and models when `python3 -c 'import torch; torch.cuda.is_available()'` says so. Writes JSON
# (default bench-device-gpu.json). Under 5 minutes. Usage: bench/device-gpu.sh [out.json]
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-bench-device-gpu.json}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

timeout 240 npx tsx bench/gpu-engine.ts --models cnn,fcnn,cnn-modern --steps 300 --warmup 30 --out "$TMP/engine.json" || echo '{"error":"bench/gpu-engine.ts failed"}' >"$TMP/engine.json"

if python3 -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  timeout 120 python3 - >"$TMP/torch.json" <<'PY' || echo '{"error":"the PyTorch run failed"}' >"$TMP/torch.json"
# The same models as bench/lib/pytorch-worker.py (Keras semantics), on CUDA: img/s of training steps,
# timed between two synchronizations, no per-step readback (as our engine).
import json, time, torch
from torch import nn
dev = torch.device('cuda')
def cnn(): return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25), nn.Flatten(), nn.Linear(64 * 12 * 12, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10))
def fcnn(): return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Dropout(0.5), nn.Linear(512, 256), nn.ReLU(), nn.Dropout(0.5), nn.Linear(256, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10))
def modern():
    layers, c = [], 1
    for s, stage in enumerate([[32, 32], [64, 64], [128, 128]]):
        for f in stage:
            layers += [nn.Conv2d(c, f, 3, padding=1, bias=False), nn.BatchNorm2d(f, momentum=0.1), nn.ReLU()]
            c = f
        if s < 2: layers += [nn.MaxPool2d(2), nn.Dropout(0.1)]
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.3), nn.Linear(128, 10))
out = {'device': torch.cuda.get_device_name(0), 'torch': torch.__version__, 'results': []}
for name, make in [('cnn', cnn), ('fcnn', fcnn), ('cnn-modern', modern)]:
    model = make().to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    x = torch.rand(128, 1, 28, 28, device=dev); y = torch.randint(0, 10, (128,), device=dev)
    loss_fn = nn.CrossEntropyLoss()
    def step():
        opt.zero_grad(set_to_none=True); loss = loss_fn(model(x), y); loss.backward(); opt.step()
    for _ in range(30): step()
    torch.cuda.synchronize(); t = time.perf_counter(); n = 300
    for _ in range(n): step()
    torch.cuda.synchronize(); s = time.perf_counter() - t
    out['results'].append({'model': name, 'imgPerSec': n * 128 / s})
print(json.dumps(out))
PY
else
  echo '{"skipped":"no PyTorch with CUDA here"}' >"$TMP/torch.json"
fi

node -e '
const fs = require("fs");
const [engine, torch, out] = process.argv.slice(1);
const j = { date: new Date().toISOString(), engine: JSON.parse(fs.readFileSync(engine, "utf8")), pytorchCuda: JSON.parse(fs.readFileSync(torch, "utf8")) };
fs.writeFileSync(out, JSON.stringify(j, null, 2) + "\n");
console.log(JSON.stringify(j, null, 2));
' "$TMP/engine.json" "$TMP/torch.json" "$OUT"
