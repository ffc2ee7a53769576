#!/usr/bin/python3
"""Writes tests/data/act_train_cases.txt: Add's gradient for b, MSE loss with its gradient, and
torch.optim.SGD steps, computed by PyTorch, for test_act_train.

Run with Debian's torch:  /usr/bin/python3 tools/gen_act_train_cases.py [OUTPUT]
The output is deterministic (seeded; torch is only the oracle). Commit it with this script.

Format (whitespace-separated tokens; '#' starts a comment line):
  case NAME add_backward            grad_b = autograd of sum((a + b) * g) w.r.t. b
  g RANK S.. V..                    (grad_out, a's shape)
  b RANK S.. V..                    (b: its shape; its values are not used)
  out RANK S.. V..                  (grad_b)
  case NAME mse
  in RANK S.. V..
  target RANK S.. V..
  loss V                            (F.mse_loss, reduction mean)
  out RANK S.. V..                  (its gradient w.r.t. in)
  case NAME sgd LR MOMENTUM DAMPENING WEIGHT_DECAY NESTEROV MAXIMIZE STEPS
  param RANK S.. V..                (initial values)
  grad RANK S.. V..                 (STEPS such lines: the gradient of each step)
  out RANK S.. V..                  (the parameter after each step: STEPS lines)
Values are decimal floats (repr of the fp32 value) or nan, inf, -inf.
"""

import math
import random
import sys

import torch
import torch.nn.functional as F

SEED = 20261206


def fmt(v):
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return repr(v)


def tensor_line(tag, t):
    vals = " ".join(fmt(v) for v in t.reshape(-1).tolist())
    return f"{tag} {t.dim()} {' '.join(str(s) for s in t.shape)} {vals}".rstrip()


def rand_tensor(rng, shape):
    n = 1
    for s in shape:
        n *= s
    return torch.tensor([rng.uniform(-2.0, 2.0) for _ in range(n)], dtype=torch.float32).reshape(shape)


def add_backward_cases(rng, out):
    shapes = [
        ((4,), (1,)), ((4,), (4,)), ((3, 5), (5,)), ((3, 5), (3, 1)), ((3, 5), (1, 1)),
        ((2, 3, 4), (3, 1)), ((2, 3, 4), (4,)), ((2, 3, 4), (2, 1, 4)), ((2, 3, 4, 5), (3, 1, 1)),
        ((2, 3, 4, 5), (1, 3, 1, 5)), ((2, 1, 3, 4, 5), (1, 4, 1)), ((2, 3, 4, 5, 6), (2, 1, 4, 1, 6)),
        ((0, 3), (3,)), ((3, 0), (1,)), ((1, 7, 9, 11), (7, 1, 1)), ((4, 8, 50), (8, 1)),
        ((5, 1, 6), (1, 6)), ((2, 3), (2, 3)),
    ]
    for i, (sa, sb) in enumerate(shapes):
        g = rand_tensor(rng, sa)
        b = torch.zeros(sb, requires_grad=True)
        a = torch.zeros(sa)
        ((a + b) * g).sum().backward()
        out.append(f"case add_backward_{i} add_backward")
        out.append(tensor_line("g", g))
        out.append(tensor_line("b", b.detach()))
        out.append(tensor_line("out", b.grad))


def mse_cases(rng, out):
    shapes = [(1,), (7,), (3, 5), (2, 3, 4, 5), (2, 3, 7, 9), (1, 1, 1, 1, 9), (2, 600)]
    for i, shape in enumerate(shapes):
        x = rand_tensor(rng, shape).requires_grad_()
        t = rand_tensor(rng, shape)
        loss = F.mse_loss(x, t)
        loss.backward()
        out.append(f"case mse_{i} mse")
        out.append(tensor_line("in", x.detach()))
        out.append(tensor_line("target", t))
        out.append(f"loss {fmt(loss.item())}")
        out.append(tensor_line("out", x.grad))
    # Non-finite values propagate.
    x = torch.tensor([1.0, float("inf"), 2.0], requires_grad=True)
    t = torch.tensor([0.5, 1.0, float("nan")])
    loss = F.mse_loss(x, t)
    loss.backward()
    out.append("case mse_nonfinite mse")
    out.append(tensor_line("in", x.detach()))
    out.append(tensor_line("target", t))
    out.append(f"loss {fmt(loss.item())}")
    out.append(tensor_line("out", x.grad))


def sgd_cases(rng, out):
    configs = [
        (0.1, 0.0, 0.0, 0.0, False, False),
        (0.05, 0.9, 0.0, 0.0, False, False),
        (0.05, 0.9, 0.0, 1e-2, True, False),
        (0.2, 0.5, 0.3, 0.0, False, False),
        (0.01, 0.0, 0.0, 0.1, False, True),
        (0.3, 0.7, 0.1, 0.05, False, True),
        (0.0, 0.9, 0.0, 0.0, False, False),
    ]
    for i, (lr, mom, damp, wd, nest, maxi) in enumerate(configs):
        shape = [(5,), (3, 4), (2, 3, 3, 3), (17,), (4, 1, 3), (6, 7), (2, 2)][i]
        steps = 4
        p = torch.nn.Parameter(rand_tensor(rng, shape))
        out.append(f"case sgd_{i} sgd {fmt(lr)} {fmt(mom)} {fmt(damp)} {fmt(wd)} {int(nest)} "
                   f"{int(maxi)} {steps}")
        out.append(tensor_line("param", p.detach()))
        opt = torch.optim.SGD([p], lr=lr, momentum=mom, dampening=damp, weight_decay=wd,
                              nesterov=nest, maximize=maxi)
        grads, params = [], []
        for _ in range(steps):
            g = rand_tensor(rng, shape)
            p.grad = g.clone()
            opt.step()
            grads.append(g)
            params.append(p.detach().clone())
        for g in grads:
            out.append(tensor_line("grad", g))
        for q in params:
            out.append(tensor_line("out", q))


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "tests/data/act_train_cases.txt"
    rng = random.Random(SEED)
    out = [f"# Written by tools/gen_act_train_cases.py with torch {torch.__version__}; do not edit."]
    add_backward_cases(rng, out)
    mse_cases(rng, out)
    sgd_cases(rng, out)
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
