#!/usr/bin/python3
"""Writes tests/data/pad_grad_cases.txt: gradients of the padding layers computed by
torch.autograd, for test_pad_backward.

Run with Debian's torch:  /usr/bin/python3 tools/gen_pad_grad_cases.py [OUTPUT]
The output is deterministic (seeded; torch is only the oracle). Commit it with this script.
The padding configurations are drawn the way tools/gen_pad_cases.py draws them (its helpers
are imported), so the gradients cover what the forward cases cover.

Format (whitespace-separated tokens; '#' starts a comment line):
  case NAME MODE DIMS P0 .. P(2*DIMS-1) RANK S0 .. S(RANK-1)      (S: the input's shape)
  gout RANK S.. V..                                                  (grad_output)
then either
  grad RANK S.. V..                    (grad_input = d(sum(pad(x) * gout)) / dx)
or
  error STATUS EXCEPTION: MESSAGE      (a grad_output torch refuses, with oclnn's status)
grad_output values are multiples of 1/8 in [-4, 4], so torch's float sums are exact; a few
cases carry NaN, +-Inf and -0.0.
"""

import os
import random
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_pad_cases as fwd  # noqa: E402  (fmt, kept, pad_choices, torch_pad, MODES)

SEED = 20261126


def tensor_line(tag, t):
    return "%s %d %s %s" % (tag, t.dim(), " ".join(str(s) for s in t.shape),
                            " ".join(fwd.fmt(v) for v in t.flatten().tolist()))


class Writer:
    def __init__(self, rng):
        self.rng = rng
        self.lines = []
        self.names = set()

    def values(self, shape, special=False):
        n = 1
        for s in shape:
            n *= s
        vals = [self.rng.randrange(-32, 33) / 8.0 for _ in range(n)]
        if special and n >= 3:
            vals[0] = float("nan")
            vals[1] = float("-inf")
            vals[2] = -0.0
        return torch.tensor(vals, dtype=torch.float32).reshape(shape)

    def add(self, name, mode, dims, pads, shape, special=False, gout_shape=None):
        assert name not in self.names, name
        self.names.add(name)
        x = torch.zeros(shape, dtype=torch.float32, requires_grad=True)
        y = fwd.torch_pad(mode, dims, list(pads), 0.0, x)
        g = self.values(list(y.shape) if gout_shape is None else gout_shape, special)
        self.lines.append("case %s %s %d %s %d %s" % (
            name, mode, dims, " ".join(str(p) for p in pads), len(shape),
            " ".join(str(s) for s in shape)))
        self.lines.append(tensor_line("gout", g))
        try:
            (grad,) = torch.autograd.grad(y, x, g)
        except RuntimeError as e:
            assert gout_shape is not None, name
            message = str(e).strip().splitlines()[0]
            self.lines.append("error OCLNN_ERR_INVALID_SHAPE %s: %s" % (type(e).__name__,
                                                                        message))
            return
        assert gout_shape is None, "torch accepted %s" % name
        self.lines.append(tensor_line("grad", grad))


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "tests/data/pad_grad_cases.txt"
    rng = random.Random(SEED)
    w = Writer(rng)
    sizes = (1, 2, 3, 5)
    for mode in fwd.MODES:
        for dims in (1, 2, 3):
            ranks = (dims + 1, dims + 2)
            for rank in ranks:
                for kind in ("pos", "neg", "mixed", "any"):
                    for _attempt in range(200):
                        lead = [rng.choice((1, 2)) for _ in range(rank - dims)]
                        padded = [rng.choice(sizes) for _ in range(dims)]
                        pads = []
                        ok = True
                        for k in range(dims):
                            choice = fwd.pad_choices(mode, padded[dims - 1 - k])
                            pool = choice[kind] if kind != "any" and k == 0 else (
                                choice["pos"] + choice["neg"] + choice["mixed"] +
                                choice["zero"])
                            if not pool:
                                ok = False
                                break
                            pads.extend(rng.choice(pool))
                        shape = lead + padded
                        numel = 1
                        for s in shape:
                            numel *= s
                        if ok and numel <= 100:
                            break
                    else:
                        raise RuntimeError("no case for %s %dd rank %d %s" %
                                           (mode, dims, rank, kind))
                    w.add("%s%dd_r%d_%s" % (mode, dims, rank, kind), mode, dims, pads, shape)

    # Wide pads: replicate folds long border ranges, reflect and circular the maximum.
    w.add("replicate2d_wide", "replicate", 2, (9, 8, 7, 6), [1, 2, 3])
    w.add("replicate1d_n1", "replicate", 1, (4, 3), [2, 1])
    w.add("reflect3d_max", "reflect", 3, (2, 2, 1, 1, 3, 3), [1, 4, 2, 3])
    w.add("circular3d_max", "circular", 3, (3, 3, 2, 2, 4, 4), [1, 1, 4, 2, 3])
    w.add("circular1d_crop_wrap", "circular", 1, (-2, 3), [1, 2, 6])
    w.add("constant2d_crop", "constant", 2, (-1, 2, 1, -2), [2, 4, 5])
    # NaN, -Inf and -0.0 in grad_output, every mode.
    for mode in fwd.MODES:
        w.add("%s2d_special" % mode, mode, 2, (2, 1, 1, 2), [1, 2, 3, 4], special=True)
    # A grad_output of the wrong shape, which autograd refuses.
    w.add("reflect2d_bad_gout", "reflect", 2, (1, 1, 1, 1), [1, 2, 3, 4],
          gout_shape=[1, 2, 5, 5])
    w.add("constant1d_bad_gout", "constant", 1, (1, 2), [2, 3], gout_shape=[2, 5])

    with open(path, "w") as f:
        f.write("# Written by tools/gen_pad_grad_cases.py with torch %s; do not edit.\n" %
                torch.__version__)
        f.write("\n".join(w.lines) + "\n")


if __name__ == "__main__":
    main()
