#!/usr/bin/python3
"""Side-by-side timing of oclnn and PyTorch on the same cases, in the same run.

    bench/compare_torch.py SUITE [--json] [--case TEXT ...] [--bench PATH] [--samples N]
                                 [--repeat N]

SUITE is a suite of oclnn-bench (pad, norm, conv). For each case in turn, oclnn is timed by oclnn-bench (one
JSON line: shapes, parameters, median per-launch time), then the same case is built in torch and
timed two ways:

  warm   allocation excluded: the op's out= variant into a preallocated tensor where torch has
         one (pad: reflection_padNd, replication_padNd; norm: aten native_layer_norm.out,
         native_group_norm.out);
         otherwise the plain call in a worker process
         whose glibc keeps freed memory (MALLOC_MMAP_THRESHOLD_/MALLOC_TRIM_THRESHOLD_), so each
         output reuses the previous call's pages instead of faulting in fresh ones
         ("malloc-reuse"); for the norm suite, whose 32 MiB tensors are beyond glibc's 32 MiB cap
         on that threshold, jemalloc preloaded and told to keep freed pages ("jemalloc-reuse").
  as-is  the plain module call (nn.ReflectionPad2d(4)(x) ...) in a default process, allocation
         included.

The three measurements of a case run back to back, so that load from other processes on a
shared machine hits them alike. Each time is the median over samples of (batch wall time /
calls). The ratio is torch / oclnn (> 1 means oclnn is faster); GB/s counts bytes read +
written by the minimal algorithm (pad: input + output; norm: 2 or 3 passes over the tensor, see
bench/README.md), %copy compares oclnn's GB/s with the memory copy bandwidth (--copy-gbps, 34).
conv prints GFLOP/s instead (2 x the direct convolution's products / time) and %peak against the
fp32 peak (--peak-gflops, 525: bench/fp32_peak.c), the algorithm oclnn ran, and after the table
each reflect case's time against its zeros twin.
The target column shows the issues' ratio targets (on ratio warm) where a case has one. Exit status 0 when it ran, whatever the ratios. Run it with Debian's torch:
/usr/bin/python3 (torch 1.13), 2 threads by default.
"""

import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# glibc: serve allocations up to 32 MiB from the heap and never give freed memory back, so a
# freshly allocated output lands on warm, already mapped pages.
MALLOC_REUSE_ENV = {"MALLOC_MMAP_THRESHOLD_": str(32 << 20), "MALLOC_TRIM_THRESHOLD_": str(1 << 40)}
# glibc caps the mmap threshold at 32 MiB, so a 32 MiB tensor (the norm suite's 8x64x128x128)
# is still mmapped and faulted in afresh by every call. For such suites the worker runs on
# jemalloc (Debian's libjemalloc2) told never to give freed pages back, when it is installed.
JEMALLOC_PATHS = ["/usr/lib/x86_64-linux-gnu/libjemalloc.so.2", "/usr/lib/libjemalloc.so.2"]
JEMALLOC_SUITES = {"norm", "backward"}


def warm_worker_env(suite):
    """(environment, name of the warm method) for the worker process of the warm timings."""
    if suite in JEMALLOC_SUITES:
        for path in JEMALLOC_PATHS:
            if os.path.exists(path):
                preload = (os.environ.get("LD_PRELOAD", "") + " " + path).strip()
                return (dict(os.environ, LD_PRELOAD=preload,
                             MALLOC_CONF="dirty_decay_ms:-1,muzzy_decay_ms:-1,retain:true",
                             OCLNN_BENCH_WARM="jemalloc-reuse"), "jemalloc-reuse")
        sys.stderr.write("compare_torch.py: no libjemalloc.so.2 (apt install libjemalloc2); "
                         "torch warm falls back to glibc, which faults in tensors >= 32 MiB "
                         "afresh on every call\n")
    return dict(os.environ, OCLNN_BENCH_WARM="malloc-reuse", **MALLOC_REUSE_ENV), "malloc-reuse"


def find_bench(explicit):
    """--bench, else $OCLNN_BENCH, else build/tools/oclnn-bench, else the newest build*/tools one."""
    if explicit:
        return explicit
    if os.environ.get("OCLNN_BENCH"):
        return os.environ["OCLNN_BENCH"]
    default = os.path.join(ROOT, "build", "tools", "oclnn-bench")
    if os.access(default, os.X_OK):
        return default
    found = glob.glob(os.path.join(ROOT, "build*", "tools", "oclnn-bench"))
    found = [p for p in found if os.access(p, os.X_OK)]
    if not found:
        sys.exit("compare_torch.py: no oclnn-bench found under build*/tools; build the project or "
                 "pass --bench PATH (or set OCLNN_BENCH)")
    return max(found, key=os.path.getmtime)


def bench_command(bench, args, *extra):
    command = [bench, "--suite", args.suite, "--samples", str(args.samples),
               "--target-ms", str(args.target_ms)]
    if args.device:
        command += ["--device", args.device]
    return command + list(extra)


def list_cases(bench, args):
    command = [bench, "--suite", args.suite, "--list"]
    for case in args.case or []:
        command += ["--case", case]
    result = subprocess.run(command, stdout=subprocess.PIPE, text=True)
    if result.returncode != 0:
        sys.exit(2)  # oclnn-bench explained on stderr (unknown suite ...)
    names = [line.split()[1] for line in result.stdout.splitlines() if line.strip()]
    if not names:
        sys.exit("compare_torch.py: no %s case matches %s" % (args.suite, args.case))
    return names


def run_oclnn_case(bench, args, name):
    result = subprocess.run(bench_command(bench, args, "--exact", "--case", name),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if result.stderr:
        sys.stderr.write(result.stderr)
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return rows[0] if rows else None


def time_calls(fn, samples, target_ms):
    """Median and minimum per-call wall time in ms over `samples` batches of calls."""
    for _ in range(3):
        fn()
    start = time.perf_counter()
    for _ in range(3):
        fn()
    each = (time.perf_counter() - start) / 3 * 1e3
    reps = int(min(2000, max(3, target_ms / max(each, 1e-3))))
    per_call = []
    for _ in range(samples):
        start = time.perf_counter()
        for _ in range(reps):
            fn()
        per_call.append((time.perf_counter() - start) / reps * 1e3)
    return statistics.median(per_call), min(per_call)


# ------------------------------------------------------------------------------------------------
# Suite "pad"


def pad_torch(case, torch):
    """(as-is callable, out= callable or None) for one oclnn-bench pad case."""
    nn, F = torch.nn, torch.nn.functional
    dims, mode, pad = case["dims"], case["mode"], tuple(case["padding"])
    value = case["value"]
    x = torch.rand(case["in_shape"]) * 2 - 1
    if mode == "reflect":
        module = getattr(nn, "ReflectionPad%dd" % dims)(pad)
    elif mode == "replicate":
        module = getattr(nn, "ReplicationPad%dd" % dims)(pad)
    elif mode == "zero" and dims == 2:
        module = nn.ZeroPad2d(pad)
    elif mode == "zero":  # torch 1.13 has ZeroPad2d only
        module = lambda t: F.pad(t, pad)
    elif mode == "constant":
        module = getattr(nn, "ConstantPad%dd" % dims)(pad, value)
    elif mode == "circular":  # torch 1.13 has no CircularPadNd
        module = lambda t: F.pad(t, pad, mode="circular")
    else:
        raise ValueError("unknown pad mode %r" % mode)
    y = module(x)
    if list(y.shape) != case["out_shape"]:
        raise RuntimeError("%s: torch gives shape %s, oclnn %s"
                           % (case["case"], list(y.shape), case["out_shape"]))
    out_op = None
    if mode in ("reflect", "replicate"):
        name = "%s_pad%dd" % ("reflection" if mode == "reflect" else "replication", dims)
        out_op = getattr(torch._C._nn, name, None)
    if out_op is None:
        return (lambda: module(x)), None
    out = torch.empty_like(y)
    out_op(x, pad, out=out)
    if not torch.equal(out, y):
        raise RuntimeError("%s: the out= variant differs from the module" % case["case"])
    return (lambda: module(x)), (lambda: out_op(x, pad, out=out))


# ------------------------------------------------------------------------------------------------
# Suite "norm"


def switch_norm_class(torch):
    """The authors' SwitchNorm2d (github.com/switchablenorms/Switchable-Normalization,
    devkit/ops/switchable_norm.py), as in tools/gen_norm_cases.py: x.view(N, C, -1) for any
    spatial rank. Replicated here so that bench/ does not import the test-data generator."""
    nn = torch.nn

    class SwitchNorm(nn.Module):
        def __init__(self, num_features, eps=1e-5, momentum=0.9, using_moving_average=True,
                     using_bn=True, dims=2):
            super().__init__()
            self.eps, self.momentum = eps, momentum
            self.using_moving_average, self.using_bn, self.dims = using_moving_average, using_bn, dims
            self.weight = nn.Parameter(torch.ones(1, num_features, *([1] * dims)))
            self.bias = nn.Parameter(torch.zeros(1, num_features, *([1] * dims)))
            k = 3 if using_bn else 2
            self.mean_weight = nn.Parameter(torch.ones(k))
            self.var_weight = nn.Parameter(torch.ones(k))
            if using_bn:
                self.register_buffer("running_mean", torch.zeros(1, num_features, 1))
                self.register_buffer("running_var", torch.zeros(1, num_features, 1))

        def forward(self, x):
            if x.dim() != self.dims + 2:
                raise ValueError("expected {}D input (got {}D input)"
                                 .format(self.dims + 2, x.dim()))
            shape = x.size()
            N, C = shape[0], shape[1]
            x = x.view(N, C, -1)
            mean_in = x.mean(-1, keepdim=True)
            var_in = x.var(-1, keepdim=True)
            mean_ln = mean_in.mean(1, keepdim=True)
            temp = var_in + mean_in ** 2
            var_ln = temp.mean(1, keepdim=True) - mean_ln ** 2
            if self.using_bn:
                if self.training:
                    mean_bn = mean_in.mean(0, keepdim=True)
                    var_bn = temp.mean(0, keepdim=True) - mean_bn ** 2
                    if self.using_moving_average:
                        self.running_mean.mul_(self.momentum)
                        self.running_mean.add_((1 - self.momentum) * mean_bn.data)
                        self.running_var.mul_(self.momentum)
                        self.running_var.add_((1 - self.momentum) * var_bn.data)
                    else:
                        self.running_mean.add_(mean_bn.data)
                        self.running_var.add_(mean_bn.data ** 2 + var_bn.data)
                else:
                    mean_bn = torch.autograd.Variable(self.running_mean)
                    var_bn = torch.autograd.Variable(self.running_var)
            softmax = nn.Softmax(0)
            mean_weight = softmax(self.mean_weight)
            var_weight = softmax(self.var_weight)
            if self.using_bn:
                mean = mean_weight[0] * mean_in + mean_weight[1] * mean_ln + mean_weight[2] * mean_bn
                var = var_weight[0] * var_in + var_weight[1] * var_ln + var_weight[2] * var_bn
            else:
                mean = mean_weight[0] * mean_in + mean_weight[1] * mean_ln
                var = var_weight[0] * var_in + var_weight[1] * var_ln
            x = (x - mean) / (var + self.eps).sqrt()
            x = x.view(shape)
            return x * self.weight + self.bias

    return SwitchNorm


def no_grad(torch, fn):
    """fn run without autograd: oclnn's layers are forward-only, so torch builds no graph."""
    def call():
        with torch.no_grad():
            return fn()
    return call


def norm_module(layer, case, torch):
    """The torch module of an oclnn-bench norm case (layer: its kind), with random parameters
    and running statistics, in the case's train/eval mode."""
    nn = torch.nn
    param, shape = case["param"], case["in_shape"]
    c = shape[1]
    if layer == "batch":
        module = nn.BatchNorm1d(param) if len(shape) <= 3 else nn.BatchNorm2d(param)
    elif layer == "instance":
        module = nn.InstanceNorm2d(param, affine=True)
    elif layer == "layer":
        module = nn.LayerNorm(shape[len(shape) - param:])
    elif layer == "group":
        module = nn.GroupNorm(param, c)
    elif layer == "lrn":
        module = nn.LocalResponseNorm(param)
    elif layer == "switch":
        module = switch_norm_class(torch)(param)
    else:
        raise ValueError("unknown norm layer %r" % layer)
    with torch.no_grad():
        for name, tensor in module.named_parameters():
            tensor.copy_(torch.rand(tensor.shape) * (0.5 if "_weight" in name else 1.0)
                         + (0.5 if name == "weight" else -0.5))
        if getattr(module, "running_var", None) is not None:
            module.running_mean.copy_(torch.rand(module.running_mean.shape) * 0.2 - 0.1)
            module.running_var.copy_(torch.rand(module.running_var.shape) * 0.5 + 0.75)
    module.train(case["training"])
    return module


def norm_torch(case, torch):
    """(as-is callable, out= callable or None) for one oclnn-bench norm case. Modules run under
    torch.no_grad(); training cases in module.train() (running statistics updated per call)."""
    aten = torch.ops.aten
    layer, param, shape = case["layer"], case["param"], case["in_shape"]
    n, c = shape[0], shape[1]
    x = torch.rand(shape) * 2 - 1
    eps = 1e-5
    module = norm_module(layer, case, torch)
    as_is = no_grad(torch, lambda: module(x))
    y = as_is()
    if list(y.shape) != case["out_shape"]:
        raise RuntimeError("%s: torch gives shape %s, oclnn %s"
                           % (case["case"], list(y.shape), case["out_shape"]))

    # out=: the native op the module calls, into preallocated outputs (statistics included).
    out_call = None
    w, b = getattr(module, "weight", None), getattr(module, "bias", None)
    # BatchNorm and InstanceNorm: aten::native_batch_norm.out has no CPU kernel in torch 1.13
    # ("Could not run 'aten::native_batch_norm.out' with arguments from the 'CPU' backend").
    if layer == "layer":
        outs = [torch.empty(0) for _ in range(3)]

        def out_call():
            aten.native_layer_norm.out(x, list(module.normalized_shape), w, b, eps, out0=outs[0],
                                       out1=outs[1], out2=outs[2])
            return outs[0]
    elif layer == "group":
        hxw = 1
        for d in shape[2:]:
            hxw *= d
        outs = [torch.empty(0) for _ in range(3)]

        def out_call():
            aten.native_group_norm.out(x, w, b, n, c, hxw, param, eps, out0=outs[0], out1=outs[1],
                                       out2=outs[2])
            return outs[0]
    if out_call is None:  # BatchNorm, InstanceNorm, LocalResponseNorm, SwitchNorm
        return as_is, None
    out_call = no_grad(torch, out_call)
    try:
        got = out_call()
    except (NotImplementedError, RuntimeError):  # no CPU kernel for the .out overload
        return as_is, None
    if not torch.allclose(got, y, rtol=1e-5, atol=1e-5):
        raise RuntimeError("%s: the out= variant differs from the module" % case["case"])
    return as_is, out_call


# ------------------------------------------------------------------------------------------------
# Suite "conv"


def conv_torch(case, torch):
    """(as-is callable, None) for one oclnn-bench conv case: torch.nn.Conv<d>d with the case's
    parameters, eval() under no_grad (inference, as oclnn's prepared weights). Torch 1.13 has no
    out= path for the convolution its modules run (mkldnn / thnn), so warm is the plain call in
    the malloc-reuse worker. Non-zero padding modes are torch's own: F.pad, then the convolution;
    input_upsample is F.interpolate(mode="nearest") before the module."""
    nn = torch.nn
    dims = case["dims"]
    module = getattr(nn, "Conv%dd" % dims)(
        case["in_channels"], case["out_channels"], case["kernel_size"], stride=case["stride"],
        padding=case["padding"], dilation=case["dilation"], groups=case["groups"],
        bias=case["bias"], padding_mode=case["padding_mode"]).eval()
    x = torch.rand(case["in_shape"]) * 2 - 1
    factor = case.get("input_upsample", 1)
    if factor > 1:  # oclnn fuses it into the input reads; torch runs the graph's two ops
        F = torch.nn.functional
        as_is = no_grad(torch, lambda: module(F.interpolate(x, scale_factor=factor,
                                                            mode="nearest")))
    else:
        as_is = no_grad(torch, lambda: module(x))
    y = as_is()
    if list(y.shape) != case["out_shape"]:
        raise RuntimeError("%s: torch gives shape %s, oclnn %s"
                           % (case["case"], list(y.shape), case["out_shape"]))
    return as_is, None


def conv_reflect_costs(results):
    """Lines comparing each reflect case with its zeros twin (same name without "_reflect"):
    the issue allows reflect at most 5 % more time than zeros."""
    by_name = {r["case"]: r for r in results}
    lines = []
    for r in results:
        if "_reflect" not in r["case"]:
            continue
        twin = by_name.get(r["case"].replace("_reflect", ""))
        if twin is None:
            continue
        cost = r["oclnn_ms"] / twin["oclnn_ms"] - 1
        lines.append("# reflect vs zeros: %-40s %+6.1f%% (%s; allowed +5%%)%s"
                     % (r["case"], cost * 100, r.get("algo", ""),
                        "" if cost <= 0.05 else "  OVER"))
    return lines


# Targets of the issues, on ratio warm (torch warm / oclnn).
TARGETS = {
    "reflect2d_p4_1x64x256x256": 2.5, "replicate2d_p4_1x64x256x256": 2.5,
    "batchnorm2d_eval_8x64x128x128": 0.9, "batchnorm2d_train_8x64x128x128": 3.0,
    "instancenorm2d_aff_8x64x128x128": 3.0, "layernorm_chw_8x64x128x128": 1.3,
    "groupnorm_g8_8x64x128x128": 1.3, "lrn5_8x64x128x128": 20.0,
    "switchnorm2d_train_8x64x128x128": 5.0,
    "conv2d_64to64_k3p1_1x64x128x128": 1.2, "conv2d_128to128_k3p1_1x128x64x64": 1.2,
    "conv2d_3to32_k9p4_reflect_1x3x256x256": 1.0, "conv2d_32to64_k3s2p1_1x32x256x256": 1.1,
    "dwconv2d_64_k3p1_1x64x128x128": 2.0, "conv2d_64to64_k3d2p2_1x64x128x128": 1.0,
    "conv2d_128to128_k1_1x128x64x64": 1.0, "conv1d_64to64_k5p2_8x64x4096": 1.0,
    # issue 8: normalization backward, every gradient
    "norm_bwd_batchnorm2d_eval_8x64x128x128": 1.0, "norm_bwd_batchnorm2d_train_8x64x128x128": 1.0,
    "norm_bwd_instancenorm2d_aff_8x64x128x128": 1.0, "norm_bwd_layernorm_chw_8x64x128x128": 1.0,
    "norm_bwd_groupnorm_g8_8x64x128x128": 1.0, "norm_bwd_lrn5_8x64x128x128": 1.0,
    "norm_bwd_switchnorm2d_train_8x64x128x128": 1.0,
}
# Issue 8: every conv backward case (all three gradients) at >= 1.0x torch's autograd.
TARGETS.update({"conv_bwd_" + name: 1.0 for name in (
    "conv2d_64to64_k3p1_1x64x128x128", "conv2d_128to128_k3p1_1x128x64x64",
    "conv2d_3to32_k9p4_reflect_1x3x256x256", "conv2d_32to64_k3s2p1_1x32x256x256",
    "dwconv2d_64_k3p1_1x64x128x128", "conv2d_64to64_k3d2p2_1x64x128x128",
    "conv2d_128to128_k1_1x128x64x64", "conv1d_64to64_k5p2_8x64x4096")})


# ------------------------------------------------------------------------------------------------
# Suite "act"


def act_torch(case, torch):
    """(as-is callable, out= callable or None) for one oclnn-bench act case: torch.relu, a + b
    (with broadcasting, optionally followed by ReLU) and F.interpolate(mode='nearest')."""
    F = torch.nn.functional
    op = case["op"]
    x = torch.rand(case["in_shape"]) * 2 - 1
    if op in ("relu", "relu_inplace"):
        if op == "relu_inplace":
            return (lambda: torch.relu_(x)), None
        out = torch.empty_like(x)  # torch.relu has no out=; clamp_min is its kernel
        return (lambda: torch.relu(x)), (lambda: torch.clamp_min(x, 0.0, out=out))
    if op in ("add", "add_inplace"):
        b = torch.rand(case["b_shape"]) * 2 - 1
        if op == "add_inplace":
            return (lambda: x.add_(b)), None
        out = torch.empty_like(x)
        if case["fuse_relu"]:
            return (lambda: torch.relu(x + b)), (lambda: torch.relu_(torch.add(x, b, out=out)))
        return (lambda: x + b), (lambda: torch.add(x, b, out=out))
    if op == "upsample":
        dims, scale = len(case["in_shape"]) - 2, case["scale"]
        size = case["out_shape"][2:]
        y = F.interpolate(x, scale_factor=scale, mode="nearest")
        if list(y.shape) != case["out_shape"]:
            raise RuntimeError("%s: torch gives shape %s, oclnn %s"
                               % (case["case"], list(y.shape), case["out_shape"]))
        out = torch.empty_like(y)
        out_op = getattr(torch._C._nn, "upsample_nearest%dd" % dims)
        scales = [scale] * dims
        out_op(x, size, *scales, out=out)
        if not torch.equal(out, y):
            raise RuntimeError("%s: the out= variant differs from F.interpolate" % case["case"])
        return ((lambda: F.interpolate(x, scale_factor=scale, mode="nearest")),
                (lambda: out_op(x, size, *scales, out=out)))
    raise ValueError("unknown act op %r" % op)


# ------------------------------------------------------------------------------------------------
# Suite "backward"


def conv_backward_torch(case, torch):
    """(as-is callable, None) for one oclnn-bench conv backward case: torch.autograd.grad of a
    Conv<d>d's output (graph built once, retained) w.r.t. input, weight and bias, as
    oclnn_conv_backward computes all three."""
    nn = torch.nn
    module = getattr(nn, "Conv%dd" % case["dims"])(
        case["in_channels"], case["out_channels"], case["kernel_size"], stride=case["stride"],
        padding=case["padding"], dilation=case["dilation"], groups=case["groups"],
        bias=case["bias"], padding_mode=case["padding_mode"])
    x = (torch.rand(case["in_shape"]) * 2 - 1).requires_grad_()
    y = module(x)
    if list(y.shape) != case["out_shape"]:
        raise RuntimeError("%s: torch gives shape %s, oclnn %s"
                           % (case["case"], list(y.shape), case["out_shape"]))
    g = torch.rand_like(y) * 2 - 1
    inputs = (x, module.weight, module.bias)
    return (lambda: torch.autograd.grad(y, inputs, g, retain_graph=True)), None


def backward_torch(case, torch):
    """(as-is callable, out= callable or None) for one oclnn-bench backward case. As-is is
    torch.autograd.grad through a graph built once (the backward kernels alone); warm is the
    layer's backward op with grad_input= where torch has one (reflection and replication pads;
    constant pads' backward is a slice, circular's goes through autograd's cat and slices)."""
    if case.get("layer") == "norm":
        return norm_backward_torch(case, torch)
    if case.get("layer") == "conv":
        return conv_backward_torch(case, torch)
    if case.get("layer") != "pad":
        raise ValueError("unknown backward layer %r" % case.get("layer"))
    F = torch.nn.functional
    mode, dims, pad = case["mode"], case["dims"], list(case["padding"])
    x = (torch.rand(case["in_shape"]) * 2 - 1).requires_grad_()
    if mode in ("zero", "constant"):
        y = F.pad(x, pad, mode="constant", value=0.0)
    else:
        y = F.pad(x, pad, mode=mode)
    if list(y.shape) != case["out_shape"]:
        raise RuntimeError("%s: torch gives shape %s, oclnn %s"
                           % (case["case"], list(y.shape), case["out_shape"]))
    g = torch.rand_like(y) * 2 - 1
    as_is = lambda: torch.autograd.grad(y, x, g, retain_graph=True)
    if mode not in ("reflect", "replicate"):
        return as_is, None
    name = "%s_pad%dd_backward" % ("reflection" if mode == "reflect" else "replication", dims)
    op = getattr(torch.ops.aten, name).grad_input
    xd, out = x.detach(), torch.empty_like(x)
    op(g, xd, pad, grad_input=out)
    if not torch.equal(out, as_is()[0]):
        raise RuntimeError("%s: %s differs from autograd" % (case["case"], name))
    return as_is, (lambda: op(g, xd, pad, grad_input=out))


def norm_backward_torch(case, torch):
    """(as-is callable, None) for one oclnn-bench norm backward case: torch.autograd.grad of the
    module's output with respect to the input, weight and bias, through a graph built once (the
    backward kernels alone; torch has no out= variant of these backward ops)."""
    module = norm_module(case["norm"], case, torch)
    x = (torch.rand(case["in_shape"]) * 2 - 1).requires_grad_()
    y = module(x)
    if list(y.shape) != case["out_shape"]:
        raise RuntimeError("%s: torch gives shape %s, oclnn %s"
                           % (case["case"], list(y.shape), case["out_shape"]))
    g = torch.rand_like(y) * 2 - 1
    # Every parameter the module has (LocalResponseNorm: none; SwitchNorm: also its logits).
    inputs = [x] + list(module.parameters())
    return (lambda: torch.autograd.grad(y, inputs, g, retain_graph=True)), None


TORCH_SUITES = {"pad": pad_torch, "norm": norm_torch, "conv": conv_torch, "act": act_torch,
                "backward": backward_torch}


def worker(args):
    """Warm timings: reads oclnn-bench JSON lines on stdin, answers one JSON line each."""
    import torch
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    build = TORCH_SUITES[args.suite]
    print(json.dumps({"ready": True}), flush=True)  # torch is loaded: timing may start
    for line in sys.stdin:
        case = json.loads(line)
        as_is, out_call = build(case, torch)
        method = "out=" if out_call else os.environ.get("OCLNN_BENCH_WARM", "malloc-reuse")
        median, low = time_calls(out_call or as_is, args.samples, args.target_ms)
        print(json.dumps({"warm_ms": median, "warm_min_ms": low, "warm_method": method}),
              flush=True)
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("suite", help="benchmark suite (%s)" % ", ".join(sorted(TORCH_SUITES)))
    parser.add_argument("--json", action="store_true", help="JSON lines instead of a table")
    parser.add_argument("--case", action="append",
                        help="only cases whose name contains TEXT (repeatable)")
    parser.add_argument("--bench", help="oclnn-bench executable (default: $OCLNN_BENCH, else "
                        "build/tools/oclnn-bench, else the newest build*/tools/oclnn-bench)")
    parser.add_argument("--device", help="OpenCL device for oclnn (as OCLNN_DEVICE)")
    parser.add_argument("--samples", type=int, default=7, help="timed samples per case (7)")
    parser.add_argument("--target-ms", type=int, default=40,
                        help="length of one timed sample in ms (40)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds per case, each oclnn + torch as-is + torch warm; the best "
                        "median of each is reported (1)")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (2)")
    parser.add_argument("--copy-gbps", type=float, default=34.0,
                        help="memory copy bandwidth that %%copy compares with, GB/s (34)")
    parser.add_argument("--peak-gflops", type=float, default=525.0,
                        help="fp32 peak that conv's %%peak compares with, GFLOP/s (525: "
                        "2 cores x 2 512-bit FMAs per cycle x 16 lanes x 2 flops x ~4.1 GHz, "
                        "measured by bench/fp32_peak.c on the AVX-512 machine: 518-530 with "
                        "two threads; 231 was the AVX2 figure)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.suite not in TORCH_SUITES:
        parser.error("unknown suite %r; suites: %s" % (args.suite, ", ".join(sorted(TORCH_SUITES))))
    if args.repeat < 1:
        parser.error("--repeat must be >= 1")
    if args.worker:
        return worker(args)

    bench = find_bench(args.bench)
    names = list_cases(bench, args)
    import torch
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    build = TORCH_SUITES[args.suite]
    worker_command = [sys.executable, os.path.abspath(__file__), args.suite, "--worker",
                      "--threads", str(args.threads), "--samples", str(args.samples),
                      "--target-ms", str(args.target_ms)]
    warm_worker = subprocess.Popen(worker_command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   text=True, env=warm_worker_env(args.suite)[0])
    # Wait until the worker has imported torch (a second or two of CPU), so that its start-up
    # does not overlap the first case's timings.
    if not warm_worker.stdout.readline():
        sys.exit("compare_torch.py: the torch worker did not start")

    # conv is compute-bound: its columns are GFLOP/s and % of the fp32 peak instead of GB/s.
    conv = args.suite == "conv"
    if not args.json:
        print("# oclnn: %s; torch %s, %d threads; median time per call in ms%s; "
              "ratio = torch / oclnn (> 1: oclnn faster)"
              % (os.path.relpath(bench), torch.__version__, torch.get_num_threads(),
                 ", best of %d rounds" % args.repeat if args.repeat > 1 else ""))
        if conv:
            print("%-42s %9s %10s %11s %10s %11s %8s %6s %8s  %-10s %-14s %s" % (
                "case", "oclnn", "torch warm", "torch as-is", "ratio warm", "ratio as-is",
                "GFLOP/s", "%peak", "warm GF/s", "algo", "warm via", "target (warm)"))
        else:
            print("%-32s %9s %10s %11s %10s %11s %10s %6s %9s  %-14s %s" % (
                "case", "oclnn", "torch warm", "torch as-is", "ratio warm", "ratio as-is",
                "oclnn GB/s", "%copy", "warm GB/s", "warm via", "target (warm)"))
        sys.stdout.flush()
    results = []
    device = None
    for name in names:
        # --repeat: the three measurements again, back to back, keeping each one's best median
        # (load from other processes only ever adds time).
        row = warm = None
        as_is_ms = as_is_min = float("inf")
        for _ in range(args.repeat):
            got = run_oclnn_case(bench, args, name)
            if got is None:
                break
            if row is None or got["median_ms"] < row["median_ms"]:
                row = got
            as_is_call, _ = build(got, torch)
            median, low = time_calls(as_is_call, args.samples, args.target_ms)
            del as_is_call
            as_is_ms, as_is_min = min(as_is_ms, median), min(as_is_min, low)
            warm_worker.stdin.write(json.dumps(got) + "\n")
            warm_worker.stdin.flush()
            answer = warm_worker.stdout.readline()
            if not answer:
                sys.exit("compare_torch.py: the torch worker stopped")
            got_warm = json.loads(answer)
            if warm is None or got_warm["warm_ms"] < warm["warm_ms"]:
                warm = got_warm
        if row is None or warm is None:
            print("%-32s oclnn-bench failed" % name, file=sys.stderr)
            continue
        device = row.get("device", device)
        oclnn_ms, bytes_moved = row["median_ms"], row["bytes"]
        result = {
            "suite": args.suite, "case": name, "rounds": args.repeat,
            "torch_op": row.get("torch", ""),
            "oclnn_ms": oclnn_ms, "torch_warm_ms": warm["warm_ms"], "torch_as_is_ms": as_is_ms,
            "ratio_warm": warm["warm_ms"] / oclnn_ms, "ratio_as_is": as_is_ms / oclnn_ms,
            "oclnn_gbps": bytes_moved / (oclnn_ms * 1e-3) / 1e9,
            "torch_warm_gbps": bytes_moved / (warm["warm_ms"] * 1e-3) / 1e9,
            "torch_as_is_gbps": bytes_moved / (as_is_ms * 1e-3) / 1e9,
            "oclnn_min_ms": row.get("min_ms"), "torch_warm_min_ms": warm["warm_min_ms"],
            "torch_as_is_min_ms": as_is_min, "warm_method": warm["warm_method"],
            "bytes": bytes_moved, "oclnn_first_ms": row.get("first_ms"),
            "oclnn_device": row.get("device", ""), "torch_version": torch.__version__,
            "torch_threads": torch.get_num_threads(), "passes": row.get("passes"),
            "copy_gbps": args.copy_gbps,
            "oclnn_copy_fraction": bytes_moved / (oclnn_ms * 1e-3) / 1e9 / args.copy_gbps,
        }
        if conv:
            flops = row["flops"]
            result.update({
                "algo": row.get("algo"), "algo_requested": row.get("algo_requested"),
                "flops": flops, "oclnn_create_ms": row.get("create_ms"),
                "oclnn_gflops": flops / (oclnn_ms * 1e-3) / 1e9,
                "torch_warm_gflops": flops / (warm["warm_ms"] * 1e-3) / 1e9,
                "torch_as_is_gflops": flops / (as_is_ms * 1e-3) / 1e9,
                "peak_gflops": args.peak_gflops,
                "oclnn_peak_fraction": flops / (oclnn_ms * 1e-3) / 1e9 / args.peak_gflops})
        results.append(result)
        if name in TARGETS:
            result["target_ratio_warm"] = TARGETS[name]
            result["target_met"] = result["ratio_warm"] >= TARGETS[name]
        if args.json:
            print(json.dumps(result))
        else:
            target = ""
            if "target_ratio_warm" in result:
                target = ">= %.2gx %s" % (result["target_ratio_warm"],
                                         "met" if result["target_met"] else "MISSED")
            if conv:
                print("%-42s %9.4f %10.4f %11.4f %9.2fx %10.2fx %8.1f %5.0f%% %8.1f  %-10s %-14s %s"
                      % (name, oclnn_ms, result["torch_warm_ms"], as_is_ms, result["ratio_warm"],
                         result["ratio_as_is"], result["oclnn_gflops"],
                         result["oclnn_peak_fraction"] * 100, result["torch_warm_gflops"],
                         result["algo"], result["warm_method"], target))
                sys.stdout.flush()
                continue
            print("%-32s %9.4f %10.4f %11.4f %9.2fx %10.2fx %10.1f %5.0f%% %9.1f  %-14s %s" % (
                name, oclnn_ms, result["torch_warm_ms"], as_is_ms, result["ratio_warm"],
                result["ratio_as_is"], result["oclnn_gbps"], result["oclnn_copy_fraction"] * 100,
                result["torch_warm_gbps"], result["warm_method"], target))
        sys.stdout.flush()
    warm_worker.stdin.close()
    warm_worker.wait()
    if not args.json and conv:
        for line in conv_reflect_costs(results):
            print(line)
    if not args.json and device and conv:
        print("# oclnn device: %s; GFLOP/s = 2 x products of the direct convolution / median "
              "time; %%peak = oclnn GFLOP/s / %.0f GFLOP/s (fp32 peak)" % (device, args.peak_gflops))
    elif not args.json and device:
        print("# oclnn device: %s; %%copy = oclnn GB/s / %.0f GB/s (memory copy bandwidth); "
              "GB/s = bytes of the minimal algorithm / median time" % (device, args.copy_gbps))
    return 0


if __name__ == "__main__":
    sys.exit(main())
