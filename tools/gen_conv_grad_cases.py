#!/usr/bin/python3
"""Writes tests/data/conv_grad_cases.txt: gradients of convolutions computed by torch.autograd,
for tests/test_conv_backward.c (suite conv_backward_torch).

Run with Debian's torch:  /usr/bin/python3 tools/gen_conv_grad_cases.py [OUTPUT]
The output is deterministic (seeded; torch is only the oracle). Commit it with this script.
Modules are built as tools/gen_conv_cases.py builds them (its helpers are imported).

Format (whitespace-separated tokens; '#' starts a comment line):
  case NAME DIMS IN_CH OUT_CH K.. S.. PADTYPE P.. D.. GROUPS BIAS MODE RANK SHAPE.. U..
      (as in conv_cases.txt, plus U: DIMS input_upsample factors; the layer convolves
       F.interpolate(x, scale_factor=U, mode="nearest"))
  in V..            (the input, row-major)
  weight V..        (out_ch, in_ch/groups, k..)
  gout RANK SHAPE.. V..   (grad_output)
  gin V..           (d sum(conv(x) * gout) / dx, the input's shape)
  gweight V..       (the weight's shape)
  gbias V..         (only when BIAS is 1)
Inputs are multiples of 1/64 and weights and grad_output multiples of 1/8, so every sum is
exact in float whatever its order: the test compares with a tight tolerance.
"""

import os
import random
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_conv_cases as fwd  # noqa: E402  (make_module, run, values, shape_of, MODES)

SEED = 20261206


class Writer:
    def __init__(self, out):
        self.out = out
        self.names = set()

    def case(self, name, dims, cin, cout, k, s, ptype, p, d, groups, bias, mode, shape,
             up=None):
        assert name not in self.names, name
        self.names.add(name)
        up = up or [1] * dims
        header = ["case", name, str(dims), str(cin), str(cout)]
        header += [str(v) for v in k] + [str(v) for v in s] + [ptype] + [str(v) for v in p]
        header += [str(v) for v in d] + [str(groups), str(bias), mode, str(len(shape))]
        header += [str(v) for v in shape] + [str(v) for v in up]
        module = fwd.make_module(dims, cin, cout, k, s, ptype, p, d, groups, bias, mode)
        with torch.no_grad():
            module.weight.copy_(torch.randint(-8, 9, module.weight.shape).float() / 8)
            if bias:
                module.bias.copy_(torch.randint(-8, 9, module.bias.shape).float() / 8)
        x = torch.round(torch.randn(shape).float() * 64) / 64
        x.requires_grad_()
        src = x
        if up != [1] * dims:
            batched = src if src.dim() == dims + 2 else src.unsqueeze(0)
            src = F.interpolate(batched, scale_factor=tuple(float(u) for u in up),
                                mode="nearest")
            if x.dim() == dims + 1:
                src = src.squeeze(0)
        y = fwd.run(module, src, dims, mode)
        g = torch.randint(-8, 9, y.shape).float() / 8
        params = [x, module.weight] + ([module.bias] if bias else [])
        grads = torch.autograd.grad(y, params, g)
        self.out.write(" ".join(header) + "\n")
        self.out.write("in " + fwd.values(x.detach()) + "\n")
        self.out.write("weight " + fwd.values(module.weight.detach()) + "\n")
        self.out.write("gout %d %s %s\n" % (g.dim(), " ".join(str(v) for v in g.shape),
                                            fwd.values(g)))
        self.out.write("gin " + fwd.values(grads[0]) + "\n")
        self.out.write("gweight " + fwd.values(grads[1]) + "\n")
        if bias:
            self.out.write("gbias " + fwd.values(grads[2]) + "\n")


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "tests/data/conv_grad_cases.txt"
    torch.manual_seed(SEED)
    rng = random.Random(SEED)
    shape_of = fwd.shape_of
    with open(path, "w") as out:
        out.write("# Convolution gradients computed by torch %s with "
                  "tools/gen_conv_grad_cases.py (seed %d).\n" % (torch.__version__, SEED))
        out.write("# Regenerate: /usr/bin/python3 tools/gen_conv_grad_cases.py "
                  "tests/data/conv_grad_cases.txt\n# Format: see the script's docstring.\n")
        w = Writer(out)
        # Every padding mode in 1d, 2d and 3d, batched and unbatched; padding 2 so that
        # reflect and circular fold two padded positions onto some inputs.
        for dims in (1, 2, 3):
            spatial = {1: [9], 2: [5, 6], 3: [3, 4, 3]}[dims]
            for mode in fwd.MODES:
                for batch in (0, 2):
                    w.case("%s%dd_b%d" % (mode, dims, batch), dims, 3, 2, [3] * dims,
                           [1] * dims, "explicit", [2] * dims, [1] * dims, 1, int(batch % 2 == 0),
                           mode, shape_of(dims, batch, 3, spatial))
        # Stride, dilation, asymmetric per-dim parameters.
        for i, mode in enumerate(fwd.MODES):
            w.case("strided2d_" + mode, 2, 2, 3, [3, 2], [2, 3], "explicit", [2, 1], [1, 2], 1,
                   1 - i % 2, mode, shape_of(2, 1, 2, [9, 11]))
            w.case("dilated1d_" + mode, 1, 2, 2, [3], [2], "explicit", [3], [3], 1, 1, mode,
                   shape_of(1, 2, 2, [10]))
        # same / valid, even kernels.
        for mode in fwd.MODES:
            w.case("same2d_even_" + mode, 2, 2, 2, [4, 2], [1, 1], "same", [0, 0], [2, 1], 1, 1,
                   mode, shape_of(2, 1, 2, [6, 5]))
        w.case("valid3d", 3, 2, 2, [2, 2, 2], [1, 1, 1], "valid", [0, 0, 0], [1, 1, 1], 1, 1,
               "zeros", shape_of(3, 1, 2, [3, 4, 3]))
        # Groups, depthwise, pointwise, one-pixel inputs, a kernel as large as the input.
        w.case("groups2d", 2, 4, 6, [3, 3], [1, 1], "explicit", [1, 1], [1, 1], 2, 1, "zeros",
               shape_of(2, 2, 4, [5, 5]))
        w.case("groups1d_reflect", 1, 6, 3, [3], [2], "explicit", [2], [1], 3, 1, "reflect",
               shape_of(1, 2, 6, [9]))
        w.case("depthwise2d_mult2", 2, 3, 6, [3, 3], [2, 2], "explicit", [1, 1], [1, 1], 3, 0,
               "circular", shape_of(2, 0, 3, [7, 5]))
        w.case("depthwise3d_replicate", 3, 2, 2, [3, 3, 3], [1, 1, 1], "explicit", [2, 1, 1],
               [1, 1, 1], 2, 1, "replicate", shape_of(3, 1, 2, [3, 3, 4]))
        w.case("pointwise2d", 2, 5, 7, [1, 1], [1, 1], "explicit", [0, 0], [1, 1], 1, 1,
               "zeros", shape_of(2, 2, 5, [3, 4]))
        w.case("pixel2d_replicate", 2, 2, 2, [3, 3], [1, 1], "explicit", [2, 2], [1, 1], 1, 1,
               "replicate", shape_of(2, 1, 2, [1, 1]))
        w.case("pixel1d_circular", 1, 1, 1, [3], [1], "explicit", [1], [1], 1, 1, "circular",
               shape_of(1, 1, 1, [1]))
        w.case("whole2d", 2, 2, 3, [4, 5], [1, 1], "valid", [0, 0], [1, 1], 1, 1, "zeros",
               shape_of(2, 2, 2, [4, 5]))
        # input_upsample: the gradient folds factor^dims copies onto each input.
        w.case("upsample2d", 2, 2, 3, [3, 3], [1, 1], "explicit", [1, 1], [1, 1], 1, 1,
               "zeros", shape_of(2, 1, 2, [3, 4]), up=[2, 2])
        w.case("upsample2d_reflect_stride", 2, 2, 2, [3, 3], [2, 1], "explicit", [2, 1],
               [1, 1], 1, 1, "reflect", shape_of(2, 2, 2, [3, 3]), up=[3, 2])
        w.case("upsample1d_circular", 1, 1, 2, [3], [1], "explicit", [2], [2], 1, 0,
               "circular", shape_of(1, 1, 1, [3]), up=[2])
        w.case("upsample3d_replicate", 3, 1, 1, [3, 3, 3], [1, 1, 1], "explicit", [1, 1, 1],
               [1, 1, 1], 1, 1, "replicate", shape_of(3, 1, 1, [2, 2, 3]), up=[2, 2, 2])
        # A random few.
        for i in range(10):
            dims = rng.choice((1, 2, 2, 3))
            groups = rng.choice((1, 1, 2))
            cin, cout = groups * rng.randint(1, 3), groups * rng.randint(1, 3)
            k = [rng.randint(1, 3) for _ in range(dims)]
            s = [rng.choice((1, 1, 2)) for _ in range(dims)]
            d = [rng.choice((1, 1, 2)) for _ in range(dims)]
            p = [rng.randint(0, 2) for _ in range(dims)]
            mode = rng.choice(fwd.MODES)
            spatial = [rng.randint(3, 8 if dims < 3 else 4) for _ in range(dims)]
            w.case("random%d" % i, dims, cin, cout, k, s, "explicit", p, d, groups,
                   rng.randint(0, 1), mode, shape_of(dims, rng.choice((0, 1, 2)), cin, spatial))
        # Output rows of 12 or more (the tiled grad_weight kernel), with a partial last step.
        w.case("wide1d_reflect", 1, 2, 5, [3], [1], "explicit", [2], [1], 1, 1, "reflect",
               shape_of(1, 2, 2, [37]))
        w.case("wide2d_stride2_circular", 2, 3, 2, [3, 3], [2, 2], "explicit", [1, 1], [1, 1], 1,
               1, "circular", shape_of(2, 1, 3, [3, 41]))
        w.case("wide2d_upsample_replicate", 2, 2, 2, [3, 3], [1, 1], "explicit", [1, 2], [1, 1],
               2, 0, "replicate", shape_of(2, 1, 2, [2, 9]), up=[2, 3])
        # Stride 2 x 2 in zeros mode (the one-pass stride-2 grad_input kernel): 32-column tiles
        # whole, partial and moved back, odd padding (column pairs odd phase first) and even.
        w.case("stride2_k3_zeros", 2, 5, 3, [3, 3], [2, 2], "explicit", [1, 1], [1, 1], 1, 1,
               "zeros", shape_of(2, 2, 5, [9, 37]))
        w.case("stride2_k4x2_groups", 2, 4, 6, [4, 2], [2, 2], "explicit", [2, 0], [1, 1], 2, 0,
               "zeros", shape_of(2, 1, 4, [8, 35]))
        # W stride 2 with H stride 1, and 1d stride 2 (the same kernel's two-phase build).
        w.case("stride1x2_k3_zeros", 2, 2, 3, [3, 3], [1, 2], "explicit", [1, 1], [1, 1], 1, 1,
               "zeros", shape_of(2, 1, 2, [5, 35]))
        w.case("stride2_1d_k4_zeros", 1, 3, 4, [4], [2], "explicit", [1], [1], 1, 0, "zeros",
               shape_of(1, 2, 3, [37]))


if __name__ == "__main__":
    main()
