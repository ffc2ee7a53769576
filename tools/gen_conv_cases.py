#!/usr/bin/python3
"""Writes tests/data/conv_cases.txt: small convolution cases computed by PyTorch, for
tests/test_conv.c (suite conv_torch).

Run with Debian's torch:  /usr/bin/python3 tools/gen_conv_cases.py [OUTPUT]
The output is deterministic (seeded; torch is only the oracle). Commit it with this script.

Format (whitespace-separated tokens; '#' starts a comment line):
  case NAME DIMS IN_CH OUT_CH K.. S.. PADTYPE P.. D.. GROUPS BIAS MODE RANK SHAPE..
      (K, S, P, D: DIMS values each, in PyTorch's tuple order; PADTYPE explicit|same|valid;
       BIAS 0|1; MODE zeros|reflect|replicate|circular)
then either
  in V..            (the input, row-major)
  weight V..        (out_ch, in_ch/groups, k..)
  bias V..          (only when BIAS is 1)
  out RANK SHAPE.. V..
or
  error STAGE EXCEPTION: MESSAGE   (STAGE create: torch refused the module, oclnn_conv_create
                                    must refuse the descriptor; forward: torch refused the
                                    input, oclnn_conv_output_shape and oclnn_conv_forward must
                                    refuse it; the rest of the line is torch's message)

Unbatched circular inputs go through x.unsqueeze(0) / y.squeeze(0): torch 1.13's F.pad only
takes batched input in circular mode, torch 2.x (the SPEC's reference) takes both.
"""

import random
import sys

import torch
import torch.nn as nn

SEED = 20260402
MODES = ("zeros", "reflect", "replicate", "circular")


def fmt(v):
    return "%.9g" % v


def values(t):
    return " ".join(fmt(v) for v in t.reshape(-1).tolist())


def make_module(dims, cin, cout, k, s, ptype, p, d, groups, bias, mode):
    cls = (nn.Conv1d, nn.Conv2d, nn.Conv3d)[dims - 1]
    padding = ptype if ptype in ("same", "valid") else tuple(p)
    return cls(cin, cout, tuple(k), stride=tuple(s), padding=padding, dilation=tuple(d),
               groups=groups, bias=bool(bias), padding_mode=mode)


def run(module, x, dims, mode):
    if mode == "circular" and x.dim() == dims + 1:
        return module(x.unsqueeze(0)).squeeze(0)
    return module(x)


class Writer:
    def __init__(self, out):
        self.out = out
        self.names = set()

    def case(self, name, dims, cin, cout, k, s, ptype, p, d, groups, bias, mode, shape):
        assert name not in self.names, name
        self.names.add(name)
        header = ["case", name, str(dims), str(cin), str(cout)]
        header += [str(v) for v in k] + [str(v) for v in s] + [ptype] + [str(v) for v in p]
        header += [str(v) for v in d] + [str(groups), str(bias), mode, str(len(shape))]
        header += [str(v) for v in shape]
        self.out.write(" ".join(header) + "\n")
        try:
            module = make_module(dims, cin, cout, k, s, ptype, p, d, groups, bias, mode)
        except (ValueError, RuntimeError) as e:
            self.out.write("error create %s: %s\n" % (type(e).__name__,
                                                      str(e).splitlines()[0]))
            return
        with torch.no_grad():
            # Weights on a coarse grid keep the printed values short and exact.
            module.weight.copy_(torch.randint(-8, 9, module.weight.shape).float() / 8)
            if bias:
                module.bias.copy_(torch.randint(-8, 9, module.bias.shape).float() / 8)
            x = torch.randn(shape).float()
            x = torch.round(x * 64) / 64
            try:
                y = run(module, x, dims, mode)
            except RuntimeError as e:
                self.out.write("error forward %s: %s\n" % (type(e).__name__,
                                                           str(e).splitlines()[0]))
                return
        self.out.write("in " + values(x) + "\n")
        self.out.write("weight " + values(module.weight) + "\n")
        if bias:
            self.out.write("bias " + values(module.bias) + "\n")
        self.out.write("out %d %s %s\n" % (y.dim(), " ".join(str(v) for v in y.shape),
                                           values(y)))


def shape_of(dims, batch, cin, spatial):
    return ([batch] if batch else []) + [cin] + list(spatial)


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "tests/data/conv_cases.txt"
    torch.manual_seed(SEED)
    rng = random.Random(SEED)
    with open(path, "w") as out:
        out.write("# Convolution cases computed by torch %s with tools/gen_conv_cases.py "
                  "(seed %d).\n" % (torch.__version__, SEED))
        out.write("# Regenerate: /usr/bin/python3 tools/gen_conv_cases.py "
                  "tests/data/conv_cases.txt\n# Format: see the script's docstring.\n")
        w = Writer(out)
        # Every padding mode in 1d, 2d and 3d, batched and unbatched.
        for dims in (1, 2, 3):
            spatial = {1: [11], 2: [6, 7], 3: [4, 5, 3]}[dims]
            for mode in MODES:
                for batch in (0, 2):
                    k = [3] * dims
                    w.case("%s%dd_b%d" % (mode, dims, batch), dims, 3, 4, k, [1] * dims,
                           "explicit", [1] * dims, [1] * dims, 1, 1, mode,
                           shape_of(dims, batch, 3, spatial))
        # Stride, dilation, asymmetric per-dim parameters.
        for i, mode in enumerate(MODES):
            w.case("strided2d_" + mode, 2, 2, 3, [3, 2], [2, 3], "explicit", [2, 1], [1, 2], 1,
                   i % 2, mode, shape_of(2, 1, 2, [9, 11]))
            w.case("dilated1d_" + mode, 1, 2, 2, [3], [1], "explicit", [3], [3], 1, 1, mode,
                   shape_of(1, 1, 2, [10]))
        # same / valid, even kernels.
        for mode in MODES:
            w.case("same2d_even_" + mode, 2, 2, 2, [4, 2], [1, 1], "same", [0, 0], [2, 1], 1, 1,
                   mode, shape_of(2, 1, 2, [6, 5]))
            w.case("same1d_" + mode, 1, 3, 2, [5], [1], "same", [0], [1], 1, 0, mode,
                   shape_of(1, 0, 3, [7]))
        w.case("valid3d", 3, 2, 2, [2, 2, 2], [1, 1, 1], "valid", [0, 0, 0], [1, 1, 1], 1, 1,
               "zeros", shape_of(3, 1, 2, [3, 4, 3]))
        # Groups and depthwise.
        w.case("groups2d", 2, 4, 6, [3, 3], [1, 1], "explicit", [1, 1], [1, 1], 2, 1, "zeros",
               shape_of(2, 1, 4, [5, 5]))
        w.case("groups1d_reflect", 1, 6, 3, [3], [2], "explicit", [2], [1], 3, 1, "reflect",
               shape_of(1, 2, 6, [9]))
        w.case("depthwise2d", 2, 4, 4, [3, 3], [1, 1], "explicit", [1, 1], [1, 1], 4, 1,
               "replicate", shape_of(2, 1, 4, [6, 6]))
        w.case("depthwise2d_mult2", 2, 3, 6, [3, 3], [2, 2], "explicit", [1, 1], [1, 1], 3, 0,
               "circular", shape_of(2, 0, 3, [7, 5]))
        w.case("depthwise3d", 3, 2, 2, [3, 3, 3], [1, 1, 1], "explicit", [1, 1, 1],
               [1, 1, 1], 2, 1, "zeros", shape_of(3, 1, 2, [3, 3, 4]))
        # Pointwise and one-pixel inputs.
        w.case("pointwise2d", 2, 5, 7, [1, 1], [1, 1], "explicit", [0, 0], [1, 1], 1, 1,
               "zeros", shape_of(2, 2, 5, [3, 4]))
        w.case("pixel2d_replicate", 2, 2, 2, [3, 3], [1, 1], "explicit", [1, 1], [1, 1], 1, 1,
               "replicate", shape_of(2, 1, 2, [1, 1]))
        w.case("pixel1d_circular", 1, 1, 1, [3], [1], "explicit", [1], [1], 1, 1, "circular",
               shape_of(1, 1, 1, [1]))
        # A random few.
        for i in range(12):
            dims = rng.choice((1, 2, 2, 3))
            groups = rng.choice((1, 1, 2))
            cin, cout = groups * rng.randint(1, 3), groups * rng.randint(1, 3)
            k = [rng.randint(1, 3) for _ in range(dims)]
            s = [rng.choice((1, 1, 2)) for _ in range(dims)]
            d = [rng.choice((1, 1, 2)) for _ in range(dims)]
            p = [rng.randint(0, 2) for _ in range(dims)]
            mode = rng.choice(MODES)
            spatial = [rng.randint(3, 8 if dims < 3 else 4) for _ in range(dims)]
            w.case("random%d" % i, dims, cin, cout, k, s, "explicit", p, d, groups,
                   rng.randint(0, 1), mode, shape_of(dims, rng.choice((0, 1, 2)), cin, spatial))
        # Refusals.
        w.case("err_groups_in", 2, 3, 4, [3, 3], [1, 1], "explicit", [0, 0], [1, 1], 2, 1,
               "zeros", [1, 3, 5, 5])
        w.case("err_groups_out", 2, 4, 3, [3, 3], [1, 1], "explicit", [0, 0], [1, 1], 2, 1,
               "zeros", [1, 4, 5, 5])
        w.case("err_same_stride", 1, 2, 2, [3], [2], "same", [0], [1], 1, 1, "zeros",
               [1, 2, 8])
        w.case("err_kernel_too_big", 2, 2, 2, [3, 3], [1, 1], "explicit", [0, 0], [1, 1], 1,
               1, "zeros", [1, 2, 2, 5])
        w.case("err_dilated_too_big", 1, 2, 2, [3], [1], "explicit", [1], [3], 1, 1, "zeros",
               [1, 2, 4])
        w.case("err_reflect_pad", 1, 2, 2, [3], [1], "explicit", [2], [1], 1, 1, "reflect",
               [1, 2, 2])
        w.case("err_reflect_pad_2d", 2, 1, 1, [3, 3], [1, 1], "explicit", [1, 1], [1, 1], 1, 1,
               "reflect", [1, 1, 1, 4])
        w.case("err_circular_pad", 1, 2, 2, [5], [1], "explicit", [3], [1], 1, 1, "circular",
               [1, 2, 2])
        w.case("err_channels", 2, 3, 2, [1, 1], [1, 1], "explicit", [0, 0], [1, 1], 1, 1,
               "zeros", [1, 4, 3, 3])
        w.case("err_rank", 2, 3, 2, [1, 1], [1, 1], "explicit", [0, 0], [1, 1], 1, 1, "zeros",
               [3, 3])
        w.case("err_empty_spatial", 2, 2, 2, [1, 1], [1, 1], "explicit", [1, 1], [1, 1], 1, 1,
               "zeros", [1, 2, 0, 3])


if __name__ == "__main__":
    main()
