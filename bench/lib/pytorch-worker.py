# The PyTorch side of `npm run bench -- --vs-pytorch`: the study's cnn or fcnn (the zoo's layers, Keras
# semantics: 3x3 'valid' convolutions, ReLU, 2x2 max pooling, dropout, softmax + categorical
# cross-entropy, Adam lr 1e-3) trained on synthetic 28x28 batches, one optimizer step per batch, the
# loss and accuracy read back each step as Keras's train_on_batch does.
# It speaks suite-worker.ts's protocol: warms up, prints {"type":"ready"}, waits for "go" on stdin,
# times the steps and prints {"type":"result",...} (times in ms since the epoch, like Date.now()).
#   /usr/bin/python3 bench/lib/pytorch-worker.py --model cnn --threads 2 --steps 16 --warmup 2 --batch 128
import argparse
import json
import sys
import time

import torch
from torch import nn


def cnn(num_classes: int) -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(),
        nn.Conv2d(32, 64, 3), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Dropout(0.25),
        nn.Flatten(),
        nn.Linear(64 * 12 * 12, 128), nn.ReLU(),
        nn.Dropout(0.5),
        nn.Linear(128, num_classes),  # softmax is inside CrossEntropyLoss
    )


def fcnn(num_classes: int) -> nn.Module:
    layers: list[nn.Module] = [nn.Flatten()]
    width = 28 * 28
    for units in (512, 256, 128):
        layers += [nn.Linear(width, units), nn.ReLU(), nn.Dropout(0.5)]
        width = units
    layers.append(nn.Linear(width, num_classes))
    return nn.Sequential(*layers)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument('--model', choices=['cnn', 'fcnn'], default='cnn')
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--steps', type=int, default=10)
    p.add_argument('--warmup', type=int, default=2)
    p.add_argument('--batch', type=int, default=128)
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = (cnn if a.model == 'cnn' else fcnn)(10)
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    batches = [(torch.rand(a.batch, 1, 28, 28), torch.randint(0, 10, (a.batch,))) for _ in range(4)]

    def step(i: int) -> float:
        x, y = batches[i % len(batches)]
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        logits = model(x)
        loss = loss_fn(logits, y)
        loss.backward()
        opt.step()
        _ = (loss.item(), (logits.argmax(1) == y).float().mean().item())  # read back, as train_on_batch does
        return (time.perf_counter() - t0) * 1000

    for i in range(a.warmup):
        step(i)
    print(json.dumps({'type': 'ready'}), flush=True)
    for line in sys.stdin:
        if line.strip() == 'go':
            break
    start = time.time() * 1000
    cpu0 = time.process_time()
    step_ms = [step(a.warmup + i) for i in range(a.steps)]
    cpu_ms = (time.process_time() - cpu0) * 1000  # user + system, all threads
    end = time.time() * 1000
    print(json.dumps({'type': 'result', 'images': a.steps * a.batch, 'startMs': start, 'endMs': end,
                      'stepMs': step_ms, 'cpuMs': cpu_ms, 'backend': f'pytorch {torch.__version__}'}), flush=True)


if __name__ == '__main__':
    main()
