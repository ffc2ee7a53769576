#!/usr/bin/python3
"""Writes tests/data/pad_cases.txt: small padding cases computed by PyTorch, for test_pad_torch.

Run with Debian's torch:  /usr/bin/python3 tools/gen_pad_cases.py [OUTPUT]
The output is deterministic (seeded; torch is only the oracle). Commit it with this script.

Format (whitespace-separated tokens; '#' starts a comment line):
  case NAME MODE DIMS P0 .. P(2*DIMS-1) VALUE RANK S0 .. S(RANK-1)
  in V0 .. V(numel-1)
then either
  out RANK S0 .. S(RANK-1) V0 .. V(numel-1)
or
  error EXCEPTION: MESSAGE          (the rest of the line is torch's first message line)
MODE is constant|reflect|replicate|circular; pads are ordered from the last dim as in
torch.nn.functional.pad; values are decimal floats or nan, inf, -inf.

What is left out, and why:
 - cases where a negative pad crops a padded dim to nothing or less (n + min(l, 0) +
   min(r, 0) < 1): torch 1.13 errors or returns garbage there for reasons that are its bugs
   (e.g. constant (2, -5) on 4 fails in narrow(); circular (-4, 1) on 4 reads unwritten memory),
   and SPEC refuses an output dim of 0 where torch 1.13 sometimes returns an empty tensor;
 - circular cases with one pad negative and the other larger than what the crop leaves:
   torch copies from memory it never wrote;
 - unbatched circular input goes through x.unsqueeze(0) / y.squeeze(0): torch 1.13 only pads
   batched input in circular mode, torch 2.x (the SPEC's reference) takes both the same way.
"""

import math
import random
import sys

import torch
import torch.nn.functional as F

SEED = 20260101
MODES = ("constant", "reflect", "replicate", "circular")
CONSTANT_VALUES = (0.0, 1.5, -2.25, float("nan"), float("inf"), float("-inf"))


def fmt(v):
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == 0 and math.copysign(1.0, v) < 0:
        return "-0.0"
    return repr(v)


def kept(n, before, after):
    return n + min(before, 0) + min(after, 0)


def torch_pad(mode, dims, pads, value, x):
    """F.pad as the oclnn layer means it; raises what torch raises."""
    if mode == "constant":
        return F.pad(x, pads, mode="constant", value=value)
    if mode == "circular" and x.dim() == dims + 1:
        return F.pad(x.unsqueeze(0), pads, mode="circular").squeeze(0)
    return F.pad(x, pads, mode=mode)


class Writer:
    def __init__(self, rng):
        self.rng = rng
        self.lines = []
        self.names = set()
        self.counts = {}

    def add(self, name, mode, dims, pads, value, shape, expect_error=False):
        assert name not in self.names, name
        self.names.add(name)
        numel = 1
        for s in shape:
            numel *= s
        # Distinct, exactly representable values with short decimals.
        perm = list(range(numel))
        self.rng.shuffle(perm)
        values = [(p - numel // 2) / 4.0 for p in perm]
        if numel > 2 and name.endswith("_special"):
            values[0] = float("nan")
            values[1] = float("-inf")
            values[2] = -0.0
        x = torch.tensor(values, dtype=torch.float32).reshape(shape)
        head = "case %s %s %d %s %s %d %s" % (
            name, mode, dims, " ".join(str(p) for p in pads), fmt(value), len(shape),
            " ".join(str(s) for s in shape))
        body = ["in " + " ".join(fmt(v) for v in x.flatten().tolist())]
        try:
            y = torch_pad(mode, dims, list(pads), value, x)
        except Exception as e:  # noqa: BLE001 - every torch refusal is a case
            message = str(e).strip().splitlines()[0] if str(e).strip() else ""
            body.append("error %s: %s" % (type(e).__name__, message))
            kind = "error"
        else:
            assert not expect_error, "torch accepted %s" % name
            body.append("out %d %s %s" % (y.dim(), " ".join(str(s) for s in y.shape),
                                          " ".join(fmt(v) for v in y.flatten().tolist())))
            kind = "ok"
        if expect_error:
            assert kind == "error", name
        self.counts[(mode, kind)] = self.counts.get((mode, kind), 0) + 1
        self.lines.append(head)
        self.lines.extend(body)


def pad_choices(mode, n):
    """Pad pairs for a dim of size n that torch computes well, by kind."""
    cands = {
        "zero": [(0, 0)],
        "pos": [(1, 1), (2, 1), (1, 3), (n, n), (n - 1, n - 1), (n + 2, 0), (0, n + 1)],
        "neg": [(-1, -1), (-1, 0), (0, -2), (-(n - 1), 0), (0, -(n - 1)), (-2, -1)],
        "mixed": [(-1, 2), (2, -1), (-(n - 1), n - 1), (n - 1, -(n - 1)), (-2, 1), (1, -2)],
    }
    out = {}
    for kind, pairs in cands.items():
        good = []
        for b, a in pairs:
            if kind != "zero" and (b, a) == (0, 0):
                continue
            if kept(n, b, a) < 1:
                continue
            if mode == "reflect" and (b >= n or a >= n):
                continue
            if mode == "circular":
                if b > n or a > n:
                    continue
                m = kept(n, b, a)
                if b > m or a > m:
                    continue
            if (b, a) not in good:
                good.append((b, a))
        out[kind] = good
    return out


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "tests/data/pad_cases.txt"
    rng = random.Random(SEED)
    w = Writer(rng)
    sizes = (1, 2, 3, 5, 7)

    # Valid cases: every mode x dims x rank x kind of padding.
    for mode in MODES:
        for dims in (1, 2, 3):
            if mode == "constant":
                ranks = sorted({dims, dims + 1, dims + 2, min(5, dims + 3)})
            else:
                ranks = (dims + 1, dims + 2)
            for rank in ranks:
                for kind in ("zero", "pos", "neg", "mixed", "any"):
                    reps = 1 if kind == "zero" else 2
                    for rep in range(reps):
                        for _attempt in range(100):
                            lead = [rng.choice((1, 2, 3)) for _ in range(rank - dims)]
                            padded = [rng.choice(sizes) for _ in range(dims)]
                            pads = []
                            ok = True
                            for k in range(dims):
                                n = padded[dims - 1 - k]
                                choice = pad_choices(mode, n)
                                pool = (choice["pos"] + choice["neg"] + choice["mixed"] +
                                        choice["zero"] if kind == "any" else choice[kind])
                                # In multi-dim cases the kind (but zero) applies to one dim, the others
                                # are drawn from every kind.
                                if kind not in ("any", "zero") and k != rep % dims:
                                    pool = (choice["pos"] + choice["neg"] + choice["mixed"] +
                                            choice["zero"])
                                if not pool:
                                    ok = False
                                    break
                                pads.extend(rng.choice(pool))
                            shape = lead + padded
                            numel = 1
                            for s in shape:
                                numel *= s
                            if ok and numel <= 120:
                                break
                        else:
                            raise RuntimeError("no case for %s %dd rank %d %s" %
                                               (mode, dims, rank, kind))
                        value = rng.choice(CONSTANT_VALUES) if mode == "constant" else 0.0
                        w.add("%s%dd_r%d_%s%d" % (mode, dims, rank, kind, rep), mode, dims,
                              pads, value, shape)

    # Special input values (NaN, -inf, -0.0 must be copied as they are), every mode.
    for mode in MODES:
        w.add("%s2d_special" % mode, mode, 2, (2, 1, 1, 2), 0.5 if mode == "constant" else 0.0,
              [1, 2, 3, 4])

    # Zero batch (torch and oclnn both return an empty tensor), and circular with 0 channels.
    for mode in MODES:
        w.add("%s1d_zero_batch" % mode, mode, 1, (1, 2), 0.0, [0, 2, 3])
    w.add("circular1d_zero_channels", "circular", 1, (1, 1), 0.0, [1, 0, 3])
    w.add("constant2d_zero_lead", "constant", 2, (1, 1, 1, 1), 3.0, [2, 0, 2, 2])

    # Boundary pads: reflect n - 1, circular n, in every padded dim.
    w.add("reflect3d_max", "reflect", 3, (2, 2, 1, 1, 3, 3), 0.0, [1, 4, 2, 3])
    w.add("circular3d_max", "circular", 3, (3, 3, 2, 2, 4, 4), 0.0, [1, 1, 4, 2, 3])
    w.add("replicate2d_wide", "replicate", 2, (9, 8, 7, 6), 0.0, [1, 2, 3])
    w.add("constant1d_crop_to_one", "constant", 1, (-3, -3), -1.0, [2, 7])
    w.add("reflect1d_crop_to_one", "reflect", 1, (-3, -3), 0.0, [2, 7])
    w.add("circular1d_crop_to_one", "circular", 1, (-3, -3), 0.0, [1, 2, 7])

    # Errors torch raises; oclnn must refuse them too.
    err = []
    for mode in ("reflect", "replicate", "circular"):
        err += [
            ("%s1d_rank1" % mode, mode, 1, (1, 1), [4]),
            ("%s1d_rank4" % mode, mode, 1, (1, 1), [1, 1, 1, 4]),
            ("%s2d_rank2" % mode, mode, 2, (1, 1, 1, 1), [3, 4]),
            ("%s2d_rank5" % mode, mode, 2, (1, 1, 1, 1), [1, 1, 1, 3, 4]),
            ("%s3d_rank3" % mode, mode, 3, (1, 1, 1, 1, 1, 1), [2, 3, 4]),
        ]
        if mode != "circular":
            # 1.13 is only consistent about empty non-batch dims for reflect/replicate.
            err += [
                ("%s1d_empty_channels" % mode, mode, 1, (1, 1), [1, 0, 4]),
                ("%s2d_empty_channels" % mode, mode, 2, (1, 1, 1, 1), [2, 0, 3, 4]),
            ]
    err += [
        ("reflect1d_left_eq_size", "reflect", 1, (4, 0), [1, 2, 4]),
        ("reflect1d_right_eq_size", "reflect", 1, (0, 4), [2, 4]),
        ("reflect1d_size1", "reflect", 1, (1, 0), [1, 1, 1]),
        ("reflect2d_top_gt_size", "reflect", 2, (1, 1, 5, 0), [1, 3, 4]),
        ("reflect2d_bottom_eq_size", "reflect", 2, (0, 0, 0, 3), [1, 1, 3, 4]),
        ("reflect3d_front_eq_size", "reflect", 3, (0, 0, 0, 0, 2, 0), [1, 2, 3, 4]),
        ("reflect3d_back_eq_size", "reflect", 3, (1, 1, 1, 1, 0, 2), [1, 1, 2, 3, 4]),
        ("circular1d_left_gt_size", "circular", 1, (5, 0), [1, 2, 4]),
        ("circular1d_right_gt_size", "circular", 1, (0, 5), [2, 4]),
        ("circular2d_top_gt_size", "circular", 2, (0, 0, 4, 0), [1, 1, 3, 4]),
        ("circular3d_back_gt_size", "circular", 3, (0, 0, 0, 0, 0, 3), [1, 1, 2, 3, 4]),
        ("constant2d_rank1", "constant", 2, (1, 1, 1, 1), [4]),
        ("constant3d_rank2", "constant", 3, (1, 1, 1, 1, 1, 1), [3, 4]),
    ]
    for name, mode, dims, pads, shape in err:
        for k in range(dims):
            if len(shape) >= dims:
                n = shape[len(shape) - 1 - k]
                assert kept(n, pads[2 * k], pads[2 * k + 1]) >= 1, name
        w.add("err_" + name, mode, dims, pads, 0.0, shape, expect_error=True)

    with open(path, "w", encoding="ascii") as out:
        out.write("# Padding cases computed by torch %s with tools/gen_pad_cases.py (seed %d).\n"
                  % (torch.__version__, SEED))
        out.write("# Regenerate: /usr/bin/python3 tools/gen_pad_cases.py %s\n" % path)
        out.write("# Format: see the script's docstring.\n")
        for line in w.lines:
            out.write(line + "\n")
    summary = ", ".join("%s %s %d" % (m, k, c) for (m, k), c in sorted(w.counts.items()))
    print("%s: %d cases (%s)" % (path, len(w.names), summary))


if __name__ == "__main__":
    main()
