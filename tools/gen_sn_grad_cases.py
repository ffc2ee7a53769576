#!/usr/bin/python3
"""Writes tests/data/sn_grad_cases.txt: gradients of SwitchableNorm (the authors' SwitchNorm
module, as tools/gen_norm_cases.py re-implements it; imported from there) computed by
torch.autograd, for tests/test_norm_switchable_backward.c.

Run with Debian's torch:  /usr/bin/python3 tools/gen_sn_grad_cases.py [OUTPUT]
The output is deterministic (seeded; torch is only the oracle). Commit it with this script.

Format (whitespace-separated tokens; '#' starts a comment line):
  case NAME DIMS TRAINING USING_BN EPS RANK S0 .. S(RANK-1)
  then tensors, each  TAG COUNT V..  (flattened, float32 printed with 9 significant digits):
  x, weight, bias, mean_weight, var_weight, running_mean, running_var (using_bn only; the values
  before the forward), gout, then the gradients grad_in, grad_weight, grad_bias,
  grad_mean_weight, grad_var_weight of sum(module(x) * gout).
"""

import os
import random
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_norm_cases import SwitchNorm  # noqa: E402  (the authors' module)

SEED = 20261207


def fmt(v):
    return "%.9g" % v


def line(tag, t):
    flat = t.detach().reshape(-1).tolist()
    return "%s %d %s" % (tag, len(flat), " ".join(fmt(v) for v in flat))


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "tests/data/sn_grad_cases.txt"
    rng = random.Random(SEED)
    torch.manual_seed(SEED)

    def rand(shape, scale=1.0, offset=0.0):
        n = 1
        for s in shape:
            n *= s
        return torch.tensor([offset + scale * rng.uniform(-1, 1) for _ in range(n)],
                            dtype=torch.float32).reshape(shape)

    # (name, dims, shape, training, using_bn, input offset)
    cases = [
        ("train_bn_2d", 2, (2, 3, 4, 5), True, True, 0.0),
        ("eval_bn_2d", 2, (2, 3, 4, 5), False, True, 0.0),
        ("train_nobn_2d", 2, (3, 4, 3, 3), True, False, 0.0),
        ("eval_nobn_1d", 1, (2, 5, 7), False, False, 0.0),
        ("train_bn_1d_long", 1, (3, 2, 37), True, True, 0.5),
        ("train_bn_3d", 3, (2, 3, 2, 3, 2), True, True, 0.0),
        ("eval_bn_3d", 3, (1, 4, 2, 2, 3), False, True, 0.0),
        ("train_bn_batch1", 2, (1, 4, 3, 3), True, True, 0.0),
        ("train_bn_offset", 2, (2, 3, 3, 4), True, True, 3.0),
        ("train_bn_c1", 1, (4, 1, 6), True, True, 0.0),
    ]
    lines = ["# Written by tools/gen_sn_grad_cases.py with torch %s; do not edit." %
             torch.__version__]
    for name, dims, shape, training, using_bn, offset in cases:
        c = shape[1]
        m = SwitchNorm(c, using_bn=using_bn, dims=dims)
        k = 3 if using_bn else 2
        with torch.no_grad():
            m.weight.copy_(rand(m.weight.shape, 0.5, 1.0))
            m.bias.copy_(rand(m.bias.shape, 0.5))
            m.mean_weight.copy_(rand((k,), 1.0))
            m.var_weight.copy_(rand((k,), 1.0))
            if using_bn:
                m.running_mean.copy_(rand(m.running_mean.shape, 0.2))
                m.running_var.copy_(rand(m.running_var.shape, 0.25, 1.0))
        m.train(training)
        x = rand(shape, 1.0, offset).requires_grad_(True)
        lines.append("case %s %d %d %d %s %d %s" % (name, dims, int(training), int(using_bn),
                                                   fmt(m.eps), len(shape),
                                                   " ".join(str(s) for s in shape)))
        lines.append(line("x", x))
        lines.append(line("weight", m.weight))
        lines.append(line("bias", m.bias))
        lines.append(line("mean_weight", m.mean_weight))
        lines.append(line("var_weight", m.var_weight))
        if using_bn:
            lines.append(line("running_mean", m.running_mean))
            lines.append(line("running_var", m.running_var))
        y = m(x)
        g = rand(shape)
        grads = torch.autograd.grad(y, [x, m.weight, m.bias, m.mean_weight, m.var_weight], g)
        lines.append(line("gout", g))
        for tag, t in zip(["grad_in", "grad_weight", "grad_bias", "grad_mean_weight",
                           "grad_var_weight"], grads):
            lines.append(line(tag, t))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
