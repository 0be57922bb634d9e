# Reference values for cnn-modern's training pieces, from PyTorch (Debian's python3-torch 1.13 here):
# torch.optim.AdamW, the LinearLR -> CosineAnnealingLR warm-up/cosine schedule, and
# torch.nn.CrossEntropyLoss(label_smoothing=...). test/training/modern-recipe.test.ts holds the printed
# numbers and reruns this script where torch is installed, to show they are what it prints.
# Usage: /usr/bin/python3 test/training/reference/modern-recipe.py
import json
import math
import warnings

import torch

torch.set_default_dtype(torch.float64)
# SequentialLR steps CosineAnnealingLR with an epoch argument at the milestone (its closed form), and warns.
warnings.filterwarnings('ignore', category=UserWarning)


def schedule():
    # Keras CosineDecay(initial_learning_rate=1e-4, decay_steps=12, alpha=0.1, warmup_target=1e-3, warmup_steps=4)
    # is LinearLR(start_factor=0.1) for 4 steps, then cosine annealing from 1e-3 to alpha * 1e-3 over 12 steps.
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=1e-3)
    warm = torch.optim.lr_scheduler.LinearLR(opt, start_factor=0.1, end_factor=1.0, total_iters=4)
    cos = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=12, eta_min=1e-4)
    seq = torch.optim.lr_scheduler.SequentialLR(opt, [warm, cos], milestones=[4])
    lrs = []
    for _ in range(17):
        lrs.append(opt.param_groups[0]['lr'])
        opt.step()
        seq.step()
    return lrs


def adamw(lrs):
    # f(w) = sum(s * (w - t)^2); weights and moments in float32 as in TF.js.
    w = torch.nn.Parameter(torch.tensor([0.5, -1.5, 2.0, 0.01, -0.3], dtype=torch.float32))
    t = torch.tensor([1.0, 0.0, -1.0, 0.5, 0.2], dtype=torch.float32)
    s = torch.tensor([1.0, 2.0, 0.5, 3.0, 1.0], dtype=torch.float32)
    opt = torch.optim.AdamW([w], lr=lrs[0], betas=(0.9, 0.999), eps=1e-7, weight_decay=0.1)
    out = []
    for lr in lrs:
        opt.param_groups[0]['lr'] = lr
        opt.zero_grad()
        (s * (w - t) ** 2).sum().backward()
        opt.step()
        out.append([float(v) for v in w.detach()])
    return out


def label_smoothing():
    logits = torch.tensor([[2.0, -1.0, 0.5, 0.0], [0.1, 0.2, 0.3, 3.0], [-2.0, 1.5, 1.0, 0.2]], requires_grad=True)
    labels = torch.tensor([0, 3, 2])
    loss = torch.nn.CrossEntropyLoss(label_smoothing=0.2)(logits, labels)
    loss.backward()
    return {'logits': logits.tolist(), 'labels': labels.tolist(), 'loss': float(loss), 'grad': logits.grad.tolist()}


lrs = schedule()
print(json.dumps({'torch': torch.__version__, 'schedule': lrs, 'adamw': adamw([0.05 * (1 + math.cos(k)) for k in range(6)]),
                  'labelSmoothing': label_smoothing()}))
