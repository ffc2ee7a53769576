#!/usr/bin/python3
"""Writes tests/data/act_cases.txt: small ReLU, Add and nearest-upsampling cases computed by
PyTorch, for test_act.

Run with Debian's torch:  /usr/bin/python3 tools/gen_act_cases.py [OUTPUT]
The output is deterministic (seeded; torch is only the oracle). Commit it with this script.

Format (whitespace-separated tokens; '#' starts a comment line):
  case NAME relu
  in RANK S.. V..
  case NAME relu_backward               (in: the forward's input x, b: grad_output,
  in RANK S.. V..                          out: grad_input by torch.autograd)
  b RANK S.. V..
  case NAME add FUSE_RELU
  in RANK S.. V..
  b RANK S.. V..
  case NAME upsample DIMS SIZE0 SIZE1 SIZE2 SCALE0 SCALE1 SCALE2 RECOMPUTE
  in RANK S.. V..
  case NAME upsample_backward DIMS SIZE0 SIZE1 SIZE2 SCALE0 SCALE1 SCALE2 RECOMPUTE
  in RANK S.. V..                          (x: gives the input shape)
  b RANK S.. V..                           (grad_output; out: grad_input by torch.autograd)
then either
  out RANK S.. V..
or
  error STATUS EXCEPTION: MESSAGE   (STATUS: the oclnn status expected; the rest of the line is
                                     torch's first message line)
Values are decimal floats or nan, inf, -inf, -0.0. Upsampling sizes/scales are per spatial
dim, first spatial dim first, 0 where not given (torch: size=None / scale_factor=None).
Add cases whose b does not broadcast into a's shape are oclnn's refusal (torch would broadcast
both ways); they are written with torch's result shape as the message.
"""

import math
import random
import sys

import torch
import torch.nn.functional as F

SEED = 20261125
SPECIALS = [float("nan"), float("inf"), float("-inf"), -0.0, 0.0]


def fmt(v):
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == 0 and math.copysign(1.0, v) < 0:
        return "-0.0"
    return repr(v)


def tensor_line(tag, t):
    vals = " ".join(fmt(v) for v in t.reshape(-1).tolist())
    return f"{tag} {t.dim()} {' '.join(str(s) for s in t.shape)} {vals}".rstrip()


def rand_tensor(rng, shape, specials=False):
    n = 1
    for s in shape:
        n *= s
    vals = [round(rng.uniform(-4, 4), 3) for _ in range(n)]
    if specials and n:
        for _ in range(max(1, n // 6)):
            vals[rng.randrange(n)] = rng.choice(SPECIALS)
    return torch.tensor(vals, dtype=torch.float32).reshape(shape)


def first_line(e):
    return f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"


def relu_cases(rng, out):
    shapes = [(1,), (7,), (3, 5), (2, 3, 4), (2, 1, 3, 5), (1, 2, 3, 2, 3), (0, 3), (2, 0, 1)]
    for i, shape in enumerate(shapes):
        x = rand_tensor(rng, shape, specials=True)
        out.append(f"case relu_{i} relu")
        out.append(tensor_line("in", x))
        out.append(tensor_line("out", torch.relu(x)))


def relu_backward_cases(rng, out):
    shapes = [(7,), (3, 5), (2, 3, 4), (2, 1, 3, 5), (1, 2, 3, 2, 3), (0, 3)]
    for i, shape in enumerate(shapes):
        x = rand_tensor(rng, shape, specials=True).requires_grad_()
        g = rand_tensor(rng, shape, specials=(i % 2 == 0))
        (grad,) = torch.autograd.grad(torch.relu(x), x, g)
        out.append(f"case relu_backward_{i} relu_backward")
        out.append(tensor_line("in", x.detach()))
        out.append(tensor_line("b", g))
        out.append(tensor_line("out", grad))


def add_cases(rng, out):
    pairs = [
        ((5,), (5,)),
        ((5,), (1,)),
        ((2, 3, 4), (4,)),
        ((2, 3, 4), (3, 1)),
        ((2, 3, 4), (2, 1, 4)),
        ((2, 3, 4, 5), (3, 1, 1)),
        ((2, 3, 4, 5), (1, 3, 1, 1)),
        ((2, 3, 4, 5), (2, 1, 4, 1)),
        ((2, 3, 1, 5), (1, 1, 1, 5)),
        ((1, 2, 3, 2, 3), (2, 1, 2, 1)),
        ((2, 1, 3, 1, 4), (1, 1, 3, 1, 1)),
        ((3, 4), (3, 4)),
        ((0, 4), (4,)),
        ((4, 0), (1,)),
    ]
    errors = [
        ((2, 3), (3, 3)),  # b dim 3 against a dim 2
        ((3,), (2, 3)),  # b has more dims
        ((1, 4), (2, 1)),  # torch broadcasts both ways to (2, 4)
        ((4, 1), (4, 3)),
    ]
    for i, (sa, sb) in enumerate(pairs):
        for relu in (0, 1):
            a = rand_tensor(rng, sa, specials=(i % 3 == 0))
            b = rand_tensor(rng, sb, specials=(i % 4 == 1))
            y = a + b
            if relu:
                y = torch.relu(y)
            assert tuple(y.shape) == sa
            out.append(f"case add_{i}_{relu} add {relu}")
            out.append(tensor_line("in", a))
            out.append(tensor_line("b", b))
            out.append(tensor_line("out", y))
    for i, (sa, sb) in enumerate(errors):
        a = rand_tensor(rng, sa)
        b = rand_tensor(rng, sb)
        try:
            msg = f"result shape {tuple((a + b).shape)} is not a's {sa}"
        except RuntimeError as e:
            msg = first_line(e)
        out.append(f"case add_error_{i} add 0")
        out.append(tensor_line("in", a))
        out.append(tensor_line("b", b))
        out.append(f"error OCLNN_ERR_INVALID_SHAPE {msg}")


def upsample(x, size, scale, recompute):
    kw = {"mode": "nearest"}
    if any(size):
        kw["size"] = tuple(size)
    if any(scale):
        kw["scale_factor"] = tuple(scale)
    if recompute:
        kw["recompute_scale_factor"] = True
    return F.interpolate(x, **kw)


def upsample_cases(rng, out):
    # (input shape, size, scale, recompute, expected status on error)
    specs = [
        ((1, 1, 5), (0,), (2.0,), 0),
        ((2, 3, 7), (0,), (3.0,), 0),
        ((1, 2, 10), (0,), (1.01,), 0),  # same size, not the identity in torch's CPU kernel
        ((1, 2, 10), (0,), (0.99,), 0),
        ((1, 1, 5), (0,), (2.1,), 0),
        ((1, 1, 5), (0,), (2.1,), 1),
        ((1, 2, 9), (0,), (0.5,), 0),
        ((1, 2, 7), (0,), (1.0 / 3.0,), 0),
        ((1, 1, 6), (4,), (0.0,), 0),
        ((1, 1, 4), (11,), (0.0,), 0),
        ((1, 2, 4, 5), (0, 0), (2.0, 2.0), 0),
        ((2, 2, 3, 5), (0, 0), (1.5, 2.5), 0),
        ((1, 1, 5, 7), (0, 0), (0.7, 1.3), 0),
        ((1, 1, 5, 7), (0, 0), (0.7, 1.3), 1),
        ((1, 2, 3, 4), (7, 5), (0.0, 0.0), 0),
        ((1, 1, 8, 9), (3, 4), (0.0, 0.0), 0),
        ((1, 1, 2, 3, 4), (0, 0, 0), (2.0, 2.0, 2.0), 0),
        ((1, 2, 3, 2, 3), (0, 0, 0), (1.5, 3.0, 0.8), 0),
        ((1, 1, 3, 3, 2), (4, 5, 3), (0.0, 0.0, 0.0), 0),
        ((0, 2, 3, 4), (0, 0), (2.0, 2.0), 0),
        ((1, 1, 3, 4), (0, 0), (1.9999, 3.0001), 0),
    ]
    errors = [
        ((1, 2, 4), (0,), (0.1,), 0, "OCLNN_ERR_INVALID_SHAPE"),  # output size 0
        ((2, 0, 4, 5), (0, 0), (2.0, 2.0), 0, "OCLNN_ERR_INVALID_SHAPE"),  # C = 0
        ((2, 3, 0, 5), (0, 0), (2.0, 2.0), 0, "OCLNN_ERR_INVALID_SHAPE"),  # spatial 0
        ((1, 1, 4, 5), (0, 0), (-2.0, 2.0), 0, "OCLNN_ERR_INVALID_VALUE"),
        ((1, 1, 4, 5), (3, 3), (2.0, 2.0), 0, "OCLNN_ERR_INVALID_VALUE"),  # both given
        ((1, 1, 4, 5), (0, 0), (0.0, 0.0), 0, "OCLNN_ERR_INVALID_VALUE"),  # neither
        ((1, 1, 4, 5), (3, 3), (0.0, 0.0), 1, "OCLNN_ERR_INVALID_VALUE"),  # recompute + size
        ((1, 1, 4, 5), (0, 3), (0.0, 0.0), 0, "OCLNN_ERR_INVALID_VALUE"),  # size 0
        ((1, 1, 4, 5), (0, 0), (float("nan"), 2.0), 0, "OCLNN_ERR_INVALID_VALUE"),
        ((1, 1, 4, 5), (0, 0), (float("inf"), 2.0), 0, "OCLNN_ERR_INVALID_VALUE"),
    ]
    for i, (shape, size, scale, recompute) in enumerate(specs):
        x = rand_tensor(rng, shape, specials=(i % 5 == 0))
        y = upsample(x, size, scale, recompute)
        pad = 3 - len(size)
        sz = list(size) + [0] * pad
        sc = list(scale) + [0.0] * pad
        out.append(f"case upsample_{i} upsample {len(size)} {' '.join(map(str, sz))} "
                   f"{' '.join(repr(float(s)) for s in sc)} {recompute}")
        out.append(tensor_line("in", x))
        out.append(tensor_line("out", y))
    for i, (shape, size, scale, recompute, status) in enumerate(errors):
        x = rand_tensor(rng, shape)
        try:
            y = upsample(x, size, scale, recompute)
            raise SystemExit(f"upsample error case {i}: torch accepted it ({tuple(y.shape)})")
        except (RuntimeError, ValueError) as e:
            msg = first_line(e)
        pad = 3 - len(size)
        sz = list(size) + [0] * pad
        sc = list(scale) + [0.0] * pad
        out.append(f"case upsample_error_{i} upsample {len(size)} {' '.join(map(str, sz))} "
                   f"{' '.join(fmt(float(s)) for s in sc)} {recompute}")
        out.append(tensor_line("in", x))
        out.append(f"error {status} {msg}")


def upsample_backward_cases(rng, out):
    specs = [
        ((1, 2, 5), (0,), (2.0,), 0),
        ((2, 1, 7), (0,), (1.5,), 0),
        ((1, 1, 9), (0,), (0.5,), 0),
        ((1, 2, 10), (0,), (1.01,), 0),
        ((1, 1, 6), (4,), (0.0,), 0),
        ((1, 1, 4), (11,), (0.0,), 0),
        ((1, 2, 3, 4), (0, 0), (2.0, 2.0), 0),
        ((2, 1, 5, 7), (0, 0), (0.7, 1.3), 0),
        ((1, 1, 5, 7), (0, 0), (0.7, 1.3), 1),
        ((1, 1, 3, 3), (7, 5), (0.0, 0.0), 0),
        ((1, 1, 2, 3, 4), (0, 0, 0), (2.0, 2.0, 2.0), 0),
        ((1, 2, 3, 2, 3), (0, 0, 0), (1.5, 3.0, 0.8), 0),
    ]
    for i, (shape, size, scale, recompute) in enumerate(specs):
        x = rand_tensor(rng, shape).requires_grad_()
        y = upsample(x, size, scale, recompute)
        g = rand_tensor(rng, list(y.shape), specials=(i % 4 == 0))
        (grad,) = torch.autograd.grad(y, x, g)
        pad = 3 - len(size)
        sz = list(size) + [0] * pad
        sc = list(scale) + [0.0] * pad
        out.append(f"case upsample_backward_{i} upsample_backward {len(size)} "
                   f"{' '.join(map(str, sz))} {' '.join(repr(float(s)) for s in sc)} {recompute}")
        out.append(tensor_line("in", x.detach()))
        out.append(tensor_line("b", g))
        out.append(tensor_line("out", grad))


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "tests/data/act_cases.txt"
    rng = random.Random(SEED)
    torch.manual_seed(SEED)
    out = [f"# Written by tools/gen_act_cases.py with torch {torch.__version__}; do not edit."]
    relu_cases(rng, out)
    add_cases(rng, out)
    upsample_cases(rng, out)
    relu_backward_cases(rng, out)
    upsample_backward_cases(rng, out)
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
