#!/usr/bin/python3
"""Writes tests/data/onnx/: small ONNX nets, their inputs and onnxruntime's outputs, for
tests/test_model_onnx.c, plus malformed models for tests/test_model_malformed.c and the fuzz
corpus seeds (tests/fuzz/corpus/).

Run with Debian's torch:  /usr/bin/python3 tools/gen_onnx_nets.py [OUTPUT_DIR]
It needs two interpreters, because Debian's python3-torch 1.13 and the PyPI onnx/onnxruntime
live in different Pythons: this script exports the torch nets (stage 1, /usr/bin/python3), then
runs itself again under ORT_PYTHON (default: the first `python3` on PATH that is not
/usr/bin/python3) with --ort (stage 2), which builds the nets torch 1.13 cannot export (ONNX's
LRN, auto_pad, Pad mode wrap), the malformed models, and runs onnxruntime (1 thread, all graph
optimisations off, so that the reference is the plain op-by-op result) on every input.
Everything is seeded; commit the output with this script. It is the only way these files are made.

Layout of OUTPUT_DIR (default tests/data/onnx):
  nets.txt                   one line per net:  NAME EXPECT CASES ATOL RTOL [MESSAGE WORDS...]
                             EXPECT is `ok` (runs and matches onnxruntime within
                             |got - want| <= ATOL + RTOL * |want|) or the oclnn status the loader
                             must return (then MESSAGE WORDS must all appear in its message);
                             CASES is how many input sets the net has
  NAME.onnx                  the model
  NAME.cK.inI.npy            case K's graph input I (float32, C order)
  NAME.cK.outJ.npy           onnxruntime's output J for case K
  style.txt                  one line per style model (../shared/models/style/NAME.onnx):
                             NAME ATOL RTOL, input style.in0.npy, outputs style.NAME.out0.npy
  malformed/NAME.onnx        models the loader must refuse
  malformed.txt              NAME STATUS WORD...: the status, and words its message must contain;
                             a model the loader accepts must fail so when planned for its
                             declared input shape (free dims 8)

Case 1 of a net, where it has one, uses other sizes for the dims the graph leaves free (batch,
spatial), so the runner plans the graph twice.
"""

import os
import shutil
import subprocess
import sys

SEED = 20261125
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(ROOT, "tests", "data", "onnx")
STYLE_DIR = os.path.join(ROOT, "..", "shared", "models", "style")
STYLE_MODELS = ("cafe_gogh", "starry-night", "the_scream", "udnie")
STYLE_SHAPE = (1, 3, 32, 48)
# Tolerances. Small nets: fp32 sums of <= a few hundred terms against onnxruntime's own fp32.
# Nets whose 3x3 convs are wide enough for oclnn's Winograd path: ~1e-3 relative.
# Style models: outputs in 0..255 after 16 convs, InstanceNorm and a Winograd path.
TOL_SMALL = (1e-4, 1e-4)
TOL_WINOGRAD = (2e-3, 2e-3)
TOL_STYLE = (5e-2, 2e-3)


# ------------------------------------------------------------------------------------------
# Stage 1: torch nets (Debian's /usr/bin/python3 with python3-torch 1.13)
# ------------------------------------------------------------------------------------------

def stage_torch(out_dir):
    import warnings

    import numpy as np
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    warnings.simplefilter("ignore")
    nets = []  # (name, expect, tolerance, [case input lists], message words)

    def spatial_axes(rank):
        axes = {0: "N"}
        for i in range(2, rank):
            axes[i] = "D%d" % i
        return axes

    def export(name, module, shapes, alt_shapes=None, opset=13, dynamic=True,
               tol=TOL_SMALL, expect="ok", words=(), fixed_axes=()):
        """Exports module for inputs of `shapes` (one tuple per graph input) and records a
        case per shape set; dims in fixed_axes stay static in the graph."""
        torch.manual_seed(SEED + len(nets))
        module.eval()
        gen = torch.Generator().manual_seed(SEED + 1000 + len(nets))
        cases = []
        for shape_set in [shapes] + ([alt_shapes] if alt_shapes else []):
            cases.append([torch.randn(*s, generator=gen) for s in shape_set])
        n_in = len(shapes)
        in_names = ["input"] if n_in == 1 else ["input%d" % i for i in range(n_in)]
        with torch.no_grad():
            outs = module(*cases[0])
        n_out = 1 if torch.is_tensor(outs) else len(outs)
        out_names = ["output"] if n_out == 1 else ["output%d" % i for i in range(n_out)]
        dyn = None
        if dynamic:
            dyn = {}
            for i, nm in enumerate(in_names):
                dyn[nm] = {a: v for a, v in spatial_axes(len(shapes[i])).items()
                           if a not in fixed_axes}
            for nm in out_names:
                dyn[nm] = {0: "N"}
        path = os.path.join(out_dir, name + ".onnx")
        torch.onnx.export(module, tuple(cases[0]), path, opset_version=opset,
                          input_names=in_names, output_names=out_names, dynamic_axes=dyn,
                          do_constant_folding=True)
        for k, case in enumerate(cases):
            for i, t in enumerate(case):
                np.save(os.path.join(out_dir, "%s.c%d.in%d.npy" % (name, k, i)),
                        t.numpy().astype(np.float32))
        nets.append((name, expect, tol, len(cases), words))

    def randomise_norm(m):
        """Non-trivial affine parameters and running statistics."""
        with torch.no_grad():
            if getattr(m, "weight", None) is not None:
                m.weight.uniform_(0.5, 1.5)
            if getattr(m, "bias", None) is not None:
                m.bias.uniform_(-0.5, 0.5)
            if getattr(m, "running_mean", None) is not None:
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
        return m

    torch.manual_seed(SEED)
    # Convolution: every attribute torch exports. padding_mode other than zeros becomes Pad +
    # Conv (reflect, edge) or Slice + Concat + Conv (circular).
    export("conv1d", nn.Conv1d(3, 4, 3, stride=2, dilation=2, padding=2), [(1, 3, 19)],
           [(2, 3, 24)])
    export("conv1d_groups_nobias", nn.Conv1d(4, 6, 5, groups=2, bias=False, padding=2),
           [(1, 4, 12)], [(3, 4, 7)])
    export("conv2d", nn.Conv2d(3, 5, 3, padding=1), [(1, 3, 9, 11)], [(2, 3, 6, 7)])
    export("conv2d_strided_dilated",
           nn.Conv2d(4, 6, (3, 5), stride=(2, 1), dilation=(1, 2), padding=(1, 2), bias=False),
           [(1, 4, 10, 12)], [(1, 4, 7, 9)])
    export("conv2d_groups", nn.Conv2d(4, 6, 3, groups=2, padding=(0, 1), stride=2),
           [(1, 4, 9, 10)], [(2, 4, 5, 6)])
    export("conv2d_depthwise", nn.Conv2d(6, 12, 3, groups=6, padding=1), [(1, 6, 8, 9)],
           [(1, 6, 5, 13)])
    export("conv2d_depthwise_5x5_s2", nn.Conv2d(4, 4, 5, groups=4, padding=2, stride=2),
           [(1, 4, 11, 10)], [(2, 4, 6, 6)])
    export("conv2d_1x1", nn.Conv2d(8, 4, 1), [(1, 8, 6, 7)], [(2, 8, 3, 5)])
    export("conv2d_wide3x3", nn.Conv2d(32, 32, 3, padding=1), [(1, 32, 8, 8)], [(1, 32, 6, 10)],
           tol=TOL_WINOGRAD)
    export("conv2d_reflect", nn.Conv2d(3, 4, 3, padding=(1, 2), padding_mode="reflect"),
           [(1, 3, 7, 8)], [(2, 3, 5, 5)])
    export("conv2d_replicate", nn.Conv2d(3, 4, 3, padding=1, padding_mode="replicate"),
           [(1, 3, 7, 8)], [(1, 3, 4, 9)])
    # torch 1.13 exports circular padding as Slice + Concat on the data (ONNX's Pad mode wrap,
    # pad_wrap_opset19 below, needs opset 19).
    export("conv2d_circular", nn.Conv2d(3, 4, 3, padding=1, padding_mode="circular"),
           [(1, 3, 7, 8)], [(1, 3, 5, 6)])
    export("conv2d_zeropad_asym", nn.Sequential(nn.ZeroPad2d((1, 2, 0, 1)), nn.Conv2d(3, 4, 3)),
           [(1, 3, 7, 8)], [(2, 3, 5, 5)])
    export("conv3d", nn.Conv3d(2, 3, 3, stride=(1, 2, 2), padding=1), [(1, 2, 5, 6, 7)],
           [(1, 2, 4, 5, 5)])
    export("conv3d_reflect", nn.Conv3d(2, 3, 3, padding=1, padding_mode="reflect"),
           [(1, 2, 4, 5, 6)], [(1, 2, 3, 3, 4)])

    # Padding layers.
    export("pad_reflect1d", nn.ReflectionPad1d((2, 3)), [(1, 3, 8)], [(2, 3, 5)])
    export("pad_reflect2d", nn.ReflectionPad2d((1, 2, 3, 0)), [(1, 3, 5, 6)], [(2, 3, 4, 4)])
    export("pad_reflect3d", nn.ReflectionPad3d(1), [(1, 2, 3, 4, 5)], [(1, 2, 2, 3, 2)])
    export("pad_replicate1d", nn.ReplicationPad1d((3, 1)), [(1, 2, 6)], [(2, 2, 1)])
    export("pad_replicate2d", nn.ReplicationPad2d((2, 0, 1, 3)), [(1, 3, 5, 6)],
           [(1, 3, 2, 3)])
    export("pad_replicate3d", nn.ReplicationPad3d((1, 0, 2, 1, 0, 1)), [(1, 2, 3, 4, 5)])
    export("pad_zero2d", nn.ZeroPad2d((1, 2, 0, 3)), [(1, 3, 5, 6)], [(2, 3, 3, 2)])
    export("pad_constant2d", nn.ConstantPad2d((2, 1, 1, 2), 1.5), [(1, 3, 5, 6)],
           [(1, 3, 3, 3)])
    export("pad_constant_crop", nn.ConstantPad2d((-1, 2, 1, -2), -0.5), [(1, 3, 5, 6)],
           [(2, 3, 4, 3)])
    export("pad_constant3d", nn.ConstantPad3d((1, 0, 0, 1, 2, 0), 0.25), [(1, 2, 3, 4, 5)])

    # Normalization.
    export("batchnorm1d", randomise_norm(nn.BatchNorm1d(4)), [(2, 4, 9)], [(3, 4, 5)])
    export("batchnorm2d", randomise_norm(nn.BatchNorm2d(5, eps=1e-3)), [(1, 5, 6, 7)],
           [(2, 5, 3, 4)])
    export("batchnorm3d", randomise_norm(nn.BatchNorm3d(3)), [(1, 3, 3, 4, 5)])
    export("instancenorm1d", nn.InstanceNorm1d(4), [(2, 4, 9)], [(1, 4, 13)])
    export("instancenorm2d_affine", randomise_norm(nn.InstanceNorm2d(5, affine=True)),
           [(1, 5, 6, 7)], [(2, 5, 9, 4)])
    export("instancenorm2d_plain", nn.InstanceNorm2d(3, eps=1e-3), [(1, 3, 6, 7)],
           [(2, 3, 4, 4)])
    export("instancenorm3d", randomise_norm(nn.InstanceNorm3d(2, affine=True)),
           [(1, 2, 3, 4, 5)])
    export("layernorm_last", randomise_norm(nn.LayerNorm(8)), [(1, 4, 6, 8)], [(2, 4, 5, 8)],
           opset=17, fixed_axes=(3,))
    # elementwise_affine=False: torch 1.13 exports a LayerNormalization without a scale,
    # which ONNX's checker refuses.
    export("layernorm_last2", randomise_norm(nn.LayerNorm((6, 8), eps=1e-3)),
           [(1, 4, 6, 8)], [(3, 4, 6, 8)], opset=17, fixed_axes=(2, 3))
    export("groupnorm", randomise_norm(nn.GroupNorm(2, 4)), [(1, 4, 6, 7)], [(2, 4, 3, 5)])
    export("groupnorm_3d", randomise_norm(nn.GroupNorm(3, 6, eps=1e-3)), [(1, 6, 3, 4, 5)])

    # Activation, residual add, nearest upsampling.
    class ReluAdd(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(4, 4, 3, padding=1)

        def forward(self, x):
            return torch.relu(x + torch.relu(self.conv(x)))

    export("relu_residual", ReluAdd(), [(1, 4, 6, 7)], [(2, 4, 5, 3)])
    export("upsample2x", nn.Upsample(scale_factor=2, mode="nearest"), [(1, 3, 4, 5)],
           [(2, 3, 3, 3)])
    export("upsample2x_opset9", nn.Upsample(scale_factor=2, mode="nearest"), [(1, 3, 4, 5)],
           [(2, 3, 3, 3)], opset=9)
    export("upsample2x_opset11", nn.Upsample(scale_factor=2, mode="nearest"), [(1, 3, 4, 5)],
           [(2, 3, 3, 3)], opset=11)
    export("upsample_scale1_5", nn.Upsample(scale_factor=1.5, mode="nearest"), [(1, 3, 4, 6)],
           [(1, 3, 5, 3)])
    export("upsample_size", nn.Upsample(size=(7, 9), mode="nearest"), [(1, 3, 4, 5)],
           [(2, 3, 6, 3)])

    class TwoInOut(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 2, 1)

        def forward(self, x, y):
            return torch.relu(x + y), self.conv(y)

    export("two_inputs_outputs", TwoInOut(), [(1, 3, 4, 5), (1, 3, 4, 5)],
           [(2, 3, 3, 2), (2, 3, 3, 2)])

    class ConvLayer(nn.Module):
        def __init__(self, cin, cout, k, stride):
            super().__init__()
            self.pad = nn.ReflectionPad2d(k // 2)
            self.conv = nn.Conv2d(cin, cout, k, stride)

        def forward(self, x):
            return self.conv(self.pad(x))

    class Residual(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.c1, self.n1 = ConvLayer(c, c, 3, 1), nn.InstanceNorm2d(c, affine=True)
            self.c2, self.n2 = ConvLayer(c, c, 3, 1), nn.InstanceNorm2d(c, affine=True)

        def forward(self, x):
            return x + self.n2(self.c2(torch.relu(self.n1(self.c1(x)))))

    class TinyTransformerNet(nn.Module):
        """TransformerNet's shape (Johnson et al.) with few channels."""

        def __init__(self):
            super().__init__()
            self.c1, self.n1 = ConvLayer(3, 4, 9, 1), nn.InstanceNorm2d(4, affine=True)
            self.c2, self.n2 = ConvLayer(4, 6, 3, 2), nn.InstanceNorm2d(6, affine=True)
            self.res = nn.Sequential(Residual(6), Residual(6))
            self.up = nn.Upsample(scale_factor=2, mode="nearest")
            self.c3, self.n3 = ConvLayer(6, 4, 3, 1), nn.InstanceNorm2d(4, affine=True)
            self.c4 = ConvLayer(4, 3, 9, 1)

        def forward(self, x):
            y = torch.relu(self.n1(self.c1(x)))
            y = torch.relu(self.n2(self.c2(y)))
            y = self.res(y)
            y = torch.relu(self.n3(self.c3(self.up(y))))
            return self.c4(y)

    tiny = TinyTransformerNet()
    for m in tiny.modules():
        if isinstance(m, nn.InstanceNorm2d):
            randomise_norm(m)
    export("tiny_transformer", tiny, [(1, 3, 12, 16)], [(1, 3, 10, 10)])

    class UpsampleConvs(nn.Module):
        """Nearest upsamplings that oclnn folds into the Conv reading them (whole factors, one
        reader, symmetric or Pad-given padding, a 3x3 Conv that runs Winograd) and some it must
        not (two readers, factor 1.5, a 5x5 Conv)."""

        def __init__(self):
            super().__init__()
            self.direct = nn.Conv2d(3, 4, 3, padding=1)
            self.sized = ConvLayer(3, 4, 3, 1)
            self.shared = nn.Conv2d(3, 3, 3, padding=1)
            self.fractional = nn.Conv2d(3, 4, 3, padding=1)
            self.wide = nn.Conv2d(3, 4, 5, padding=2)

        def forward(self, x):
            a = self.direct(F.interpolate(x, scale_factor=2, mode="nearest"))
            a = a + self.wide(F.interpolate(torch.relu(x), scale_factor=2, mode="nearest"))
            # whole factors for the first case's 4x6 input, not for the second's 5x3
            b = self.sized(F.interpolate(x, size=(8, 18), mode="nearest"))
            u = F.interpolate(x, scale_factor=3, mode="nearest")
            c = self.shared(u) + u
            d = self.fractional(F.interpolate(x, scale_factor=1.5, mode="nearest"))
            return a, b, c, d

    export("upsample_convs", UpsampleConvs(), [(1, 3, 4, 6)], [(2, 3, 5, 3)])
    return nets


# ------------------------------------------------------------------------------------------
# Stage 2: onnx-built nets, malformed models, onnxruntime references (PyPI python3)
# ------------------------------------------------------------------------------------------

def stage_ort(out_dir):
    import numpy as np
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(SEED)
    unchecked = set()
    nets = [tuple(line.split(None, 5)) for line in open(os.path.join(out_dir, "nets.tmp"))]
    os.remove(os.path.join(out_dir, "nets.tmp"))
    nets = [(n[0], n[1], (float(n[2]), float(n[3])), int(n[4]),
             n[5].split() if len(n) > 5 else []) for n in nets]

    def fvi(name, shape):
        return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)

    def init(name, array):
        return numpy_helper.from_array(np.asarray(array, dtype=np.float32), name)

    def save_model(path, nodes, inputs, outputs, inits=(), opset=13, check=True):
        graph = helper.make_graph(nodes, "g", inputs, outputs, list(inits))
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                                  producer_name="oclnn gen_onnx_nets.py")
        model.ir_version = 8 if opset <= 18 else 9
        if check:
            onnx.checker.check_model(model, full_check=True)
        with open(path, "wb") as f:
            f.write(model.SerializeToString())
        return model

    def helper_net(name, nodes, in_shapes, alt_shapes, inits=(), opset=13, tol=TOL_SMALL,
                   expect="ok", words=(), sym_shape=None, check=True, gen=None):
        shape = sym_shape or ["N", "C"] + ["D%d" % i for i in range(2, len(in_shapes[0]))]
        save_model(os.path.join(out_dir, name + ".onnx"), nodes, [fvi("input", shape)],
                   [fvi("output", ["N"] + ["o%d" % i for i in range(1, len(shape))])],
                   inits, opset, check)
        if not check:
            unchecked.add(name)
        for k, shp in enumerate([in_shapes[0]] + ([alt_shapes[0]] if alt_shapes else [])):
            np.save(os.path.join(out_dir, "%s.c%d.in0.npy" % (name, k)),
                    (gen or rng).standard_normal(shp).astype(np.float32))
        nets.append((name, expect, tol, 2 if alt_shapes else 1, list(words)))

    # LRN as ONNX defines it (torch 1.13 exports LocalResponseNorm as pooling arithmetic).
    # Odd sizes only: onnxruntime refuses even ones, where ONNX's window
    # [c - floor((size-1)/2), c + ceil((size-1)/2)] is not torch's [c - size/2, c + (size-1)/2].
    for size, alpha, beta, bias in ((3, 0.1, 0.75, 2.0), (5, 0.05, 0.5, 1.0)):
        helper_net("lrn_size%d" % size,
                   [helper.make_node("LRN", ["input"], ["output"], "lrn", size=size,
                                     alpha=alpha, beta=beta, bias=bias)],
                   [(1, 6, 4, 5)], [(2, 5, 3, 3)])
    # auto_pad, which torch 1.13 never exports (it cannot export padding="same").
    w = rng.standard_normal((4, 3, 4, 3)).astype(np.float32) * 0.3
    b = rng.standard_normal(4).astype(np.float32) * 0.1
    for auto_pad, stride in (("SAME_UPPER", 1), ("SAME_LOWER", 1), ("SAME_UPPER", 2),
                             ("VALID", 2)):
        helper_net("conv_auto_pad_%s_s%d" % (auto_pad.lower(), stride),
                   [helper.make_node("Conv", ["input", "w", "b"], ["output"], "conv",
                                     auto_pad=auto_pad, strides=[stride, stride],
                                     kernel_shape=[4, 3])],
                   [(1, 3, 7, 8)], [(2, 3, 5, 6)], [init("w", w), init("b", b)])
    # Conv with asymmetric explicit pads and an Identity.
    helper_net("conv_pads_asym",
               [helper.make_node("Identity", ["input"], ["x"], "identity"),
                helper.make_node("Conv", ["x", "w"], ["output"], "conv", pads=[1, 0, 2, 1])],
               [(1, 3, 6, 5)], [(1, 3, 4, 4)], [init("w", w)])
    # Pad mode wrap (opset 19): the circular padding torch 1.13 cannot export as one op.
    helper_net("pad_wrap_opset19",
               [helper.make_node("Pad", ["input", "pads"], ["output"], "pad", mode="wrap")],
               [(1, 2, 4, 5)], [(2, 1, 3, 3)],
               [numpy_helper.from_array(np.array([0, 0, 1, 2, 0, 0, 2, 1], np.int64), "pads")],
               opset=19)

    # GroupNormalization as ONNX 18 defines it (scale and bias per group; onnx's checker calls
    # that form deprecated since opset 21 made them per channel, onnxruntime still runs it);
    # torch 1.13 exports nn.GroupNorm as Reshape + InstanceNormalization + Reshape + Mul + Add
    # instead (groupnorm).
    gn_rng = np.random.default_rng(SEED + 18)  # its own stream: the nets above stay as they were
    helper_net("groupnorm_opset18",
               [helper.make_node("GroupNormalization", ["input", "scale", "bias"], ["output"],
                                 "group_norm", num_groups=3, epsilon=1e-3)],
               [(1, 6, 4, 5)], [(2, 6, 3, 3)],
               [init("scale", gn_rng.uniform(0.5, 1.5, 3)),
                init("bias", gn_rng.uniform(-0.5, 0.5, 3))],
               opset=18, sym_shape=["N", 6, "H", "W"], check=False, gen=gn_rng)

    # onnxruntime references: one thread, no graph rewrites.
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL

    def run(path, inputs):
        sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
        names = [i.name for i in sess.get_inputs()]
        return sess.run(None, dict(zip(names, inputs)))

    lines = []
    for name, expect, tol, cases, words in nets:
        path = os.path.join(out_dir, name + ".onnx")
        if name not in unchecked:
            onnx.checker.check_model(onnx.load(path), full_check=True)
        n_in = len(onnx.load(path).graph.input)
        for k in range(cases):
            ins = [np.load(os.path.join(out_dir, "%s.c%d.in%d.npy" % (name, k, i)))
                   for i in range(n_in)]
            try:
                outs = run(path, ins)
            except Exception as e:
                sys.exit("%s case %d: %s" % (name, k, e))
            for j, y in enumerate(outs):
                np.save(os.path.join(out_dir, "%s.c%d.out%d.npy" % (name, k, j)),
                        np.ascontiguousarray(y, dtype=np.float32))
        lines.append("%s %s %d %g %g%s" % (name, expect, cases, tol[0], tol[1],
                                           "".join(" " + w for w in words)))
    with open(os.path.join(out_dir, "nets.txt"), "w") as f:
        f.write("# NAME EXPECT CASES ATOL RTOL [MESSAGE WORDS]: see tools/gen_onnx_nets.py\n")
        f.write("\n".join(lines) + "\n")

    # Style models: one small input, 0..255 like an image.
    x = rng.uniform(0, 255, STYLE_SHAPE).astype(np.float32)
    np.save(os.path.join(out_dir, "style.in0.npy"), x)
    with open(os.path.join(out_dir, "style.txt"), "w") as f:
        f.write("# NAME ATOL RTOL: ../shared/models/style/NAME.onnx on style.in0.npy\n")
        for name in STYLE_MODELS:
            y = run(os.path.join(STYLE_DIR, name + ".onnx"), [x])[0]
            np.save(os.path.join(out_dir, "style.%s.out0.npy" % name), y.astype(np.float32))
            f.write("%s %g %g\n" % (name, TOL_STYLE[0], TOL_STYLE[1]))

    write_malformed(out_dir, np, onnx, helper, numpy_helper, TensorProto, fvi, init, save_model)


def write_malformed(out_dir, np, onnx, helper, numpy_helper, TensorProto, fvi, init, save_model):
    """Models that break one rule each, built around image -> Conv -> hidden -> Relu -> y.
    Names are distinctive so that a test can look for them in the loader's message."""
    mdir = os.path.join(out_dir, "malformed")
    os.makedirs(mdir, exist_ok=True)
    rng = np.random.default_rng(SEED + 7)
    w = init("weight_w", rng.standard_normal((2, 3, 3, 3)) * 0.3)
    b = init("bias_b", rng.standard_normal(2) * 0.1)
    x = fvi("image", ["N", 3, "H", "W"])
    y = fvi("y", ["N", 2, "H", "W"])

    def conv(inp="image", out="hidden", name="conv_node", **attrs):
        return helper.make_node("Conv", [inp, "weight_w", "bias_b"], [out], name, pads=[1, 1, 1, 1], **attrs)

    def relu(inp="hidden", out="y", name="relu_node"):
        return helper.make_node("Relu", [inp], [out], name)

    cases = []

    def add(name, status, words, nodes, inputs=(x,), outputs=(y,), inits=(w, b), opset=13,
            edit=None):
        graph = helper.make_graph(nodes, "g", list(inputs), list(outputs), list(inits))
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                                  producer_name="oclnn gen_onnx_nets.py")
        model.ir_version = 8
        if edit:
            edit(model)
        with open(os.path.join(mdir, name + ".onnx"), "wb") as f:
            f.write(model.SerializeToString())
        cases.append("%s %s %s" % (name, status, " ".join(words)))

    add("valid", "OCLNN_SUCCESS", [], [conv(), relu()])
    add("cycle", "OCLNN_ERR_INVALID_VALUE", ["cycle"],
        [helper.make_node("Add", ["image", "loop_u"], ["hidden"], "add_a"),
         helper.make_node("Relu", ["hidden"], ["loop_u"], "relu_b"), relu()])
    add("missing_initializer", "OCLNN_ERR_INVALID_VALUE", ["weight_w"], [conv(), relu()], inits=(b,))
    add("undefined_input", "OCLNN_ERR_INVALID_VALUE", ["ghost"],
        [conv(), helper.make_node("Add", ["hidden", "ghost"], ["sum_u"], "add"), relu("sum_u")])
    add("duplicate_output", "OCLNN_ERR_INVALID_VALUE", ["hidden"],
        [conv(), helper.make_node("Relu", ["image"], ["hidden"], "relu_dup"), relu()])
    add("undefined_graph_output", "OCLNN_ERR_INVALID_VALUE", ["nowhere"], [conv(), relu()],
        outputs=(y, fvi("nowhere", ["N", 2, "H", "W"])))
    add("input_double", "OCLNN_ERR_UNSUPPORTED", ["image"], [conv(), relu()],
        inputs=(helper.make_tensor_value_info("image", TensorProto.DOUBLE, ["N", 3, "H", "W"]),))
    add("weight_int8", "OCLNN_ERR_UNSUPPORTED", ["weight_w"], [conv(), relu()],
        inits=(numpy_helper.from_array(np.ones((2, 3, 3, 3), np.int8), "weight_w"), b))

    def set_dims(name, dims):
        def edit(model):
            for t in model.graph.initializer:
                if t.name == name:
                    del t.dims[:]
                    t.dims.extend(dims)
        return edit

    add("negative_dim", "OCLNN_ERR_INVALID_VALUE", ["weight_w"], [conv(), relu()],
        edit=set_dims("weight_w", [2, -3, 3, 3]))
    add("huge_dims", "OCLNN_ERR_OVERFLOW", ["weight_w"], [conv(), relu()],
        edit=set_dims("weight_w", [1 << 40, 1 << 40, 3, 3]))
    add("data_size_mismatch", "OCLNN_ERR_INVALID_VALUE", ["weight_w"], [conv(), relu()],
        edit=set_dims("weight_w", [2, 3, 3, 4]))

    def input_dim(v):
        def edit(model):
            model.graph.input[0].type.tensor_type.shape.dim[1].dim_value = v
        return edit

    add("input_negative_dim", "OCLNN_ERR_INVALID_VALUE", ["image"], [conv(), relu()],
        edit=input_dim(-3))
    add("unsupported_op", "OCLNN_ERR_UNSUPPORTED", ["soft", "Softmax"],
        [conv(), helper.make_node("Softmax", ["hidden"], ["y"], "soft", axis=1)])
    add("unsupported_resize_mode", "OCLNN_ERR_UNSUPPORTED", ["resize", "Resize"],
        [conv(), helper.make_node("Resize", ["hidden", "", "scales"], ["y"], "resize",
                                  mode="linear")],
        inits=(w, b, init("scales", [1, 1, 2, 2])))
    add("unsupported_conv_attr", "OCLNN_ERR_UNSUPPORTED", ["conv_node", "no_such_attribute"],
        [conv(strides=[1, 1]), relu()],
        edit=lambda m: m.graph.node[0].attribute.append(
            helper.make_attribute("no_such_attribute", 1)))
    add("attribute_wrong_type", "OCLNN_ERR_INVALID_VALUE", ["conv_node", "strides"],
        [conv(strides=[1.0, 1.0]), relu()])
    add("bad_opset", "OCLNN_ERR_UNSUPPORTED", ["opset"], [conv(), relu()], opset=3)
    add("foreign_domain", "OCLNN_ERR_UNSUPPORTED", ["com.example"], [conv(), relu()],
        edit=lambda m: (setattr(m.graph.node[1], "domain", "com.example"),
                        m.opset_import.append(helper.make_opsetid("com.example", 1))))
    add("conv_weight_rank", "OCLNN_ERR_INVALID_SHAPE", ["conv_node"],
        [helper.make_node("Conv", ["image", "weight_w", "bias_b"], ["hidden"], "conv_node"),
         relu()],
        inits=(init("weight_w", rng.standard_normal((2, 3, 3))), b))
    add("add_not_broadcastable", "OCLNN_ERR_INVALID_SHAPE", ["add_node"],
        [conv(), helper.make_node("Add", ["hidden", "offsets"], ["sum_u"], "add_node"),
         relu("sum_u")],
        inits=(w, b, init("offsets", np.ones((3, 1, 1)))))
    add("no_graph", "OCLNN_ERR_INVALID_VALUE", ["graph"], [conv(), relu()],
        edit=lambda m: m.ClearField("graph"))
    with open(os.path.join(out_dir, "malformed.txt"), "w") as f:
        f.write("# NAME STATUS [MESSAGE WORDS]: see tools/gen_onnx_nets.py\n")
        f.write("\n".join(cases) + "\n")


# ------------------------------------------------------------------------------------------

def ort_python():
    if os.environ.get("ORT_PYTHON"):
        return os.environ["ORT_PYTHON"]
    for d in os.environ.get("PATH", "").split(os.pathsep):
        p = os.path.join(d, "python3")
        if os.access(p, os.X_OK) and os.path.realpath(p) != os.path.realpath("/usr/bin/python3"):
            return p
    sys.exit("no python3 with onnxruntime on PATH: set ORT_PYTHON")


def main():
    args = sys.argv[1:]
    if args and args[0] == "--ort":
        stage_ort(args[1])
        return
    final_dir = os.path.abspath(args[0] if args else DEFAULT_OUT)
    # Written next to the final directory and swapped in only when complete, so a failed run
    # never leaves the committed data half-written.
    out_dir = final_dir + ".new"
    if os.path.isdir(out_dir):
        shutil.rmtree(out_dir)
    os.makedirs(out_dir)
    nets = stage_torch(out_dir)
    with open(os.path.join(out_dir, "nets.tmp"), "w") as f:
        for name, expect, tol, cases, words in nets:
            f.write("%s %s %g %g %d %s\n" % (name, expect, tol[0], tol[1], cases, " ".join(words)))
    subprocess.run([ort_python(), os.path.abspath(__file__), "--ort", out_dir], check=True)
    if os.path.isdir(final_dir):
        shutil.rmtree(final_dir)
    os.rename(out_dir, final_dir)
    out_dir = final_dir
    total = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(out_dir)
                for f in fs)
    print("wrote %s (%d files, %d bytes)" % (out_dir, sum(len(fs) for _, _, fs in
                                                          os.walk(out_dir)), total))


if __name__ == "__main__":
    main()
