#!/usr/bin/python3
"""Writes tests/data/lrn_grad_cases.txt: gradients of torch.nn.LocalResponseNorm computed by
torch.autograd, for tests/test_norm_lrn_backward.c.

Run with Debian's torch:  /usr/bin/python3 tools/gen_lrn_grad_cases.py [OUTPUT]
The output is deterministic (seeded; torch is only the oracle). Commit it with this script.

Format (whitespace-separated tokens; '#' starts a comment line):
  case NAME SIZE ALPHA BETA K RANK S0 .. S(RANK-1)
  x RANK S.. V..        (the input)
  gout RANK S.. V..     (grad_output)
  grad RANK S.. V..     (grad_input = d(sum(LocalResponseNorm(x) * gout)) / dx)
Values are float32, printed with 9 significant digits (they read back exactly).
"""

import random
import sys

import torch

SEED = 20261206


def fmt(v):
    return "%.9g" % v


def tensor_line(tag, t):
    return "%s %d %s %s" % (tag, t.dim(), " ".join(str(s) for s in t.shape),
                            " ".join(fmt(v) for v in t.flatten().tolist()))


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "tests/data/lrn_grad_cases.txt"
    rng = random.Random(SEED)
    torch.manual_seed(SEED)
    # (name, size, alpha, beta, k, shape, input scale): windows narrower and wider than C, even
    # and odd sizes, each beta path (0.75, 0.5, 1 and the general pow), alphas that make the
    # window term matter, ranks 3 to 5, runs longer than the vector width (16 on CPUs).
    cases = [
        ("default_size5", 5, 1e-4, 0.75, 1.0, (2, 7, 3, 4), 1.0),
        ("strong_size5", 5, 1.0, 0.75, 1.0, (2, 7, 3, 4), 2.0),
        ("size2_even", 2, 0.5, 0.75, 2.0, (1, 5, 9), 1.5),
        ("size1", 1, 2.0, 0.75, 1.0, (2, 3, 5), 1.0),
        ("size4_beta_half", 4, 1.0, 0.5, 1.0, (1, 6, 2, 3), 1.0),
        ("size3_beta_one", 3, 0.8, 1.0, 0.5, (2, 4, 5), 1.0),
        ("size6_beta_pow", 6, 0.6, 1.3, 1.5, (1, 8, 2, 2, 3), 1.0),
        ("wider_than_c", 9, 0.5, 0.75, 1.0, (2, 3, 7), 2.0),
        ("long_run", 3, 0.5, 0.75, 1.0, (1, 4, 37), 1.0),
        ("k_small", 5, 1.0, 0.75, 0.25, (1, 6, 19), 1.0),
        ("unbatched_like_one", 7, 2.0, 0.9, 1.0, (1, 10, 1), 1.0),
        ("rank5", 3, 1.0, 0.75, 1.0, (2, 5, 2, 3, 2), 1.5),
    ]
    lines = ["# Written by tools/gen_lrn_grad_cases.py with torch %s; do not edit." %
             torch.__version__]
    for name, size, alpha, beta, k, shape, scale in cases:
        n = 1
        for s in shape:
            n *= s
        x = torch.tensor([rng.uniform(-1, 1) * scale for _ in range(n)],
                         dtype=torch.float32).reshape(shape).requires_grad_(True)
        g = torch.tensor([rng.uniform(-1, 1) for _ in range(n)],
                         dtype=torch.float32).reshape(shape)
        y = torch.nn.LocalResponseNorm(size, alpha=alpha, beta=beta, k=k)(x)
        (grad,) = torch.autograd.grad(y, x, g)
        lines.append("case %s %d %s %s %s %d %s" % (name, size, fmt(alpha), fmt(beta), fmt(k),
                                                     len(shape), " ".join(str(s) for s in shape)))
        lines.append(tensor_line("x", x.detach()))
        lines.append(tensor_line("gout", g))
        lines.append(tensor_line("grad", grad))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
