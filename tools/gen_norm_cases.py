#!/usr/bin/python3
"""Writes tests/data/norm_cases.txt: normalization cases computed by PyTorch, for test_norm_torch.

Run with Debian's torch:  /usr/bin/python3 tools/gen_norm_cases.py [OUTPUT]
The output is deterministic (seeded; torch is only the oracle). Commit it with this script.

Every case is computed in float64 from float32 inputs (module.double()), so the expected values
are what exact arithmetic gives for the data the device sees, rounded to float32 for storage.
SwitchableNorm is not part of PyTorch: SwitchNorm below is its authors' SwitchNorm2d
(github.com/switchablenorms/Switchable-Normalization, devkit/ops/switchable_norm.py), unchanged
except that x.view(N, C, -1) also covers the 1d and 3d inputs (SPEC.md).

Format (whitespace-separated tokens; '#' starts a comment line):
  case NAME LAYER              LAYER: batch | instance | layer | group | lrn | switch
  attr KEY COUNT V1 .. VCOUNT  configuration: dims, num_features, eps, momentum (momentum_none
                               1 for momentum=None), affine, track, normalized_shape,
                               elementwise_affine, bias, num_groups, num_channels, size, alpha,
                               beta, k, using_bn, using_moving_average, relu, residual, steps
  tensor KEY RANK S1 .. SRANK V1 .. Vnumel
                               parameters (weight, bias, mean_weight, var_weight), initial
                               running statistics (running_mean, running_var), the residual, and
                               per step i: x_i (input), y_i (output), running_mean_i and
                               running_var_i (after the step)
  attr train_i 1 T             step i in training (1) or eval (0) mode
  attr nbt_i 1 N               BatchNorm's num_batches_tracked after step i
  error STATUS STAGE MESSAGE   torch refuses: oclnn must fail with STATUS at STAGE (create or
                               forward, with x_0's shape); MESSAGE is torch's first line
  end
Values are decimal floats or nan, inf, -inf. What torch raises is recorded as its message; the
oclnn status each refusal maps to is written here, next to the case that provokes it.
"""

import math
import sys
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 20260105
warnings.simplefilter("ignore")
torch.manual_seed(SEED)


class SwitchNorm(nn.Module):
    """The authors' SwitchNorm2d, with x.view(N, C, -1) for any spatial rank."""

    def __init__(self, num_features, eps=1e-5, momentum=0.9, using_moving_average=True,
                 using_bn=True, last_gamma=False, dims=2):
        super().__init__()
        self.eps = eps
        self.momentum = momentum
        self.using_moving_average = using_moving_average
        self.using_bn = using_bn
        self.last_gamma = last_gamma
        self.dims = dims
        self.weight = nn.Parameter(torch.ones(1, num_features, *([1] * dims)))
        self.bias = nn.Parameter(torch.zeros(1, num_features, *([1] * dims)))
        if self.using_bn:
            self.mean_weight = nn.Parameter(torch.ones(3))
            self.var_weight = nn.Parameter(torch.ones(3))
        else:
            self.mean_weight = nn.Parameter(torch.ones(2))
            self.var_weight = nn.Parameter(torch.ones(2))
        if self.using_bn:
            self.register_buffer('running_mean', torch.zeros(1, num_features, 1))
            self.register_buffer('running_var', torch.zeros(1, num_features, 1))

    def _check_input_dim(self, input):
        if input.dim() != self.dims + 2:
            raise ValueError('expected {}D input (got {}D input)'
                             .format(self.dims + 2, input.dim()))

    def forward(self, x):
        self._check_input_dim(x)
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


def fmt(v):
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    # The shortest decimal that reads back as the same float32.
    f = torch.tensor(v, dtype=torch.float32).item()
    for digits in range(1, 10):
        text = "%.*g" % (digits, f)
        if torch.tensor(float(text), dtype=torch.float32).item() == f:
            return text
    return repr(f)


def f32(t):
    """float32 values (what the device sees), as a float64 tensor for the computation."""
    return t.to(torch.float32).to(torch.float64)


class Writer:
    def __init__(self):
        self.lines = []
        self.names = set()

    def begin(self, name, layer):
        assert name not in self.names, name
        self.names.add(name)
        self.lines.append("case %s %s" % (name, layer))

    def attr(self, key, *values):
        self.lines.append("attr %s %d %s" % (key, len(values), " ".join(fmt(v) for v in values)))

    def tensor(self, key, t):
        t = t.detach().reshape(t.shape)
        shape = list(t.shape)
        values = t.reshape(-1).tolist()
        head = "tensor %s %d %s" % (key, len(shape), " ".join(str(s) for s in shape))
        self.lines.append(head + ("" if not values else " " + " ".join(fmt(v) for v in values)))

    def error(self, status, stage, exc):
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        self.lines.append("error %s %s %s: %s" % (status, stage, type(exc).__name__,
                                                  " ".join(message.split())))

    def end(self):
        self.lines.append("end")


def rand(shape, scale=1.0, offset=0.0):
    return f32(torch.randn(*shape, dtype=torch.float64) * scale + offset)


def finish(y, residual, relu):
    if residual is not None:
        y = y + residual
    if relu:
        y = torch.relu(y)
    return y


def emit_steps(w, module, xs, trains, residual, relu, running=True, nbt=False):
    for i, (x, train) in enumerate(zip(xs, trains)):
        module.train(bool(train))
        w.attr("train_%d" % i, train)
        w.tensor("x_%d" % i, x)
        with torch.no_grad():
            y = finish(module(x), residual, relu)
        w.tensor("y_%d" % i, y)
        if running and getattr(module, "running_mean", None) is not None:
            w.tensor("running_mean_%d" % i, module.running_mean.reshape(-1))
            w.tensor("running_var_%d" % i, module.running_var.reshape(-1))
        if nbt and getattr(module, "num_batches_tracked", None) is not None:
            w.attr("nbt_%d" % i, int(module.num_batches_tracked))


def set_params(w, module, names, channels, scale=0.5):
    with torch.no_grad():
        for name in names:
            p = getattr(module, name)
            value = rand(p.shape, scale, 1.0 if name == "weight" else 0.0)
            p.copy_(value)
            w.tensor(name, value.reshape(-1) if p.dim() != 0 and name in ("weight", "bias") and
                     isinstance(module, SwitchNorm) else value)


def set_running(w, module):
    if getattr(module, "running_mean", None) is None:
        return
    with torch.no_grad():
        c = module.running_mean.numel()
        module.running_mean.copy_(rand((c,), 0.3).reshape(module.running_mean.shape))
        module.running_var.copy_(f32(torch.rand(c, dtype=torch.float64) + 0.5)
                                 .reshape(module.running_var.shape))
    w.tensor("running_mean", module.running_mean.reshape(-1))
    w.tensor("running_var", module.running_var.reshape(-1))


def batch_case(w, name, dims, shape, affine=True, track=True, momentum=0.1, eps=1e-5,
               trains=(1, 1, 1, 0), relu=False, residual=False, data=None):
    c = shape[1]
    w.begin(name, "batch")
    w.attr("dims", dims)
    w.attr("num_features", c)
    w.attr("eps", eps)
    w.attr("momentum", 0.0 if momentum is None else momentum)
    w.attr("momentum_none", 1 if momentum is None else 0)
    w.attr("affine", int(affine))
    w.attr("track", int(track))
    w.attr("relu", int(relu))
    w.attr("residual", int(residual))
    w.attr("steps", len(trains))
    cls = {1: nn.BatchNorm1d, 2: nn.BatchNorm2d, 3: nn.BatchNorm3d}[dims]
    m = cls(c, eps=eps, momentum=momentum, affine=affine, track_running_stats=track).double()
    if affine:
        set_params(w, m, ("weight", "bias"), c)
    set_running(w, m)
    res = rand(shape) if residual else None
    if res is not None:
        w.tensor("residual", res)
    xs = [data(i) if data else rand(shape, 1.0 + i, 0.5 * i) for i in range(len(trains))]
    emit_steps(w, m, xs, trains, res, relu, nbt=True)
    w.end()


def instance_case(w, name, dims, shape, affine=False, track=False, momentum=0.1, eps=1e-5,
                  trains=(1, 1, 0), relu=False, residual=False, data=None):
    batched = len(shape) == dims + 2
    c = shape[1 if batched else 0]
    w.begin(name, "instance")
    w.attr("dims", dims)
    w.attr("num_features", c)
    w.attr("eps", eps)
    w.attr("momentum", momentum)
    w.attr("affine", int(affine))
    w.attr("track", int(track))
    w.attr("relu", int(relu))
    w.attr("residual", int(residual))
    w.attr("steps", len(trains))
    cls = {1: nn.InstanceNorm1d, 2: nn.InstanceNorm2d, 3: nn.InstanceNorm3d}[dims]
    m = cls(c, eps=eps, momentum=momentum, affine=affine, track_running_stats=track).double()
    if affine:
        set_params(w, m, ("weight", "bias"), c)
    set_running(w, m)
    res = rand(shape) if residual else None
    if res is not None:
        w.tensor("residual", res)
    xs = [data(i) if data else rand(shape, 1.0 + i, -0.5 * i) for i in range(len(trains))]
    emit_steps(w, m, xs, trains, res, relu)
    w.end()


def layer_case(w, name, shape, k, affine=True, bias=True, eps=1e-5, relu=False, residual=False,
               data=None):
    ns = tuple(shape[len(shape) - k:])
    w.begin(name, "layer")
    w.attr("normalized_shape", *ns)
    w.attr("eps", eps)
    w.attr("elementwise_affine", int(affine))
    w.attr("bias", int(bias))
    w.attr("relu", int(relu))
    w.attr("residual", int(residual))
    w.attr("steps", 1)
    weight = rand(ns, 0.5, 1.0) if affine else None
    b = rand(ns, 0.5) if affine and bias else None
    if weight is not None:
        w.tensor("weight", weight)
    if b is not None:
        w.tensor("bias", b)
    res = rand(shape) if residual else None
    if res is not None:
        w.tensor("residual", res)
    x = data(0) if data else rand(shape, 2.0, 1.0)
    w.attr("train_0", 1)
    w.tensor("x_0", x)
    # torch 1.13's LayerNorm has no bias switch (2.1 added it): F.layer_norm with bias=None is
    # the same computation.
    w.tensor("y_0", finish(F.layer_norm(x, ns, weight, b, eps), res, relu))
    w.end()


def group_case(w, name, shape, groups, affine=True, eps=1e-5, relu=False, residual=False,
               data=None):
    c = shape[1]
    w.begin(name, "group")
    w.attr("num_groups", groups)
    w.attr("num_channels", c)
    w.attr("eps", eps)
    w.attr("affine", int(affine))
    w.attr("relu", int(relu))
    w.attr("residual", int(residual))
    w.attr("steps", 1)
    m = nn.GroupNorm(groups, c, eps=eps, affine=affine).double()
    if affine:
        set_params(w, m, ("weight", "bias"), c)
    res = rand(shape) if residual else None
    if res is not None:
        w.tensor("residual", res)
    x = data(0) if data else rand(shape, 1.5, -1.0)
    emit_steps(w, m, [x], [1], res, relu)
    w.end()


def lrn_case(w, name, shape, size, alpha=1e-4, beta=0.75, k=1.0, scale=1.0):
    w.begin(name, "lrn")
    w.attr("size", size)
    w.attr("alpha", alpha)
    w.attr("beta", beta)
    w.attr("k", k)
    w.attr("steps", 1)
    m = nn.LocalResponseNorm(size, alpha, beta, k)
    emit_steps(w, m, [rand(shape, scale)], [1], None, False)
    w.end()


def switch_case(w, name, dims, shape, using_bn=True, moving=True, momentum=0.9, eps=1e-5,
                trains=(1, 1, 0), relu=False, residual=False, data=None):
    c = shape[1]
    w.begin(name, "switch")
    w.attr("dims", dims)
    w.attr("num_features", c)
    w.attr("eps", eps)
    w.attr("momentum", momentum)
    w.attr("using_bn", int(using_bn))
    w.attr("using_moving_average", int(moving))
    w.attr("relu", int(relu))
    w.attr("residual", int(residual))
    w.attr("steps", len(trains))
    m = SwitchNorm(c, eps, momentum, moving, using_bn, dims=dims).double()
    set_params(w, m, ("weight", "bias", "mean_weight", "var_weight"), c)
    set_running(w, m)
    res = rand(shape) if residual else None
    if res is not None:
        w.tensor("residual", res)
    chan = torch.arange(c, dtype=torch.float64).reshape(1, c, *([1] * dims)) * 0.3
    xs = [data(i) if data else f32(rand(shape, 1.0 + 0.5 * i, 0.2 * i) + chan)
          for i in range(len(trains))]
    emit_steps(w, m, xs, trains, res, relu)
    w.end()


def error_case(w, name, layer, attrs, shape, status, stage, make, run):
    """A configuration torch refuses. make() builds the module (may raise), run(m, x) runs it."""
    w.begin(name, layer)
    for key, values in attrs:
        w.attr(key, *values)
    w.tensor("x_0", torch.zeros(shape, dtype=torch.float64))
    try:
        m = make()
        run(m, torch.zeros(shape, dtype=torch.float64))
    except Exception as exc:  # torch's refusal is the point
        w.error(status, stage, exc)
    else:
        raise AssertionError("torch accepted " + name)
    w.end()


def with_nonfinite(shape, spots):
    def make(i):
        x = rand(shape)
        flat = x.view(-1)
        for index, value in spots:
            flat[index] = value
        return x
    return make


def hard(shape, kind):
    """1e4 + N(0, 1) or 1e-3 * N(0, 1) in float32."""
    def make(i):
        base = torch.randn(*shape, dtype=torch.float64)
        return f32(base + 1e4) if kind == "big" else f32(base * 1e-3)
    return make


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/data/norm_cases.txt"
    w = Writer()
    nan, inf = float("nan"), float("inf")

    # BatchNorm: ranks, options, running statistics over several steps.
    batch_case(w, "bn1d_nc", 1, (6, 5))
    batch_case(w, "bn1d_ncl", 1, (3, 4, 7), relu=True, residual=True)
    batch_case(w, "bn1d_none", 1, (4, 3, 5), momentum=None, trains=(1, 1, 1, 0))
    batch_case(w, "bn1d_noaffine_eval_first", 1, (5, 2, 3), affine=False, trains=(0, 1, 0, 1))
    batch_case(w, "bn1d_notrack", 1, (4, 3, 2), track=False, trains=(1, 0))
    batch_case(w, "bn2d", 2, (2, 3, 4, 5), momentum=0.3, eps=1e-3)
    batch_case(w, "bn2d_relu", 2, (3, 2, 3, 3), relu=True)
    batch_case(w, "bn3d", 3, (2, 2, 3, 2, 3))
    batch_case(w, "bn1d_one_value_eval", 1, (1, 4), trains=(0,))
    batch_case(w, "bn2d_empty_batch", 2, (0, 3, 2, 2), trains=(1, 1))
    batch_case(w, "bn1d_nan_inf", 1, (3, 4, 5), trains=(1, 0),
               data=with_nonfinite((3, 4, 5), [(2, nan), (27, inf), (50, -inf)]))
    batch_case(w, "bn1d_big_mean", 1, (4, 3, 40), trains=(1, 0), data=hard((4, 3, 40), "big"))
    batch_case(w, "bn2d_tiny_spread", 2, (2, 3, 6, 6), trains=(1, 0),
               data=hard((2, 3, 6, 6), "tiny"))

    # InstanceNorm: batched and unbatched, affine, running statistics.
    instance_case(w, "in1d", 1, (3, 4, 6))
    instance_case(w, "in1d_unbatched_track", 1, (3, 7), affine=True, track=True)
    instance_case(w, "in2d_affine", 2, (2, 3, 4, 5), affine=True, relu=True, residual=True)
    instance_case(w, "in2d_track", 2, (3, 2, 3, 3), track=True, momentum=0.2, trains=(1, 1, 0))
    instance_case(w, "in3d_unbatched", 3, (2, 3, 2, 4))
    instance_case(w, "in3d_track_eval_first", 3, (2, 2, 2, 2, 3), track=True, trains=(0, 1, 0))
    instance_case(w, "in2d_one_spatial_eval_track", 2, (2, 3, 1, 1), track=True, trains=(0,))
    instance_case(w, "in1d_empty_batch_track", 1, (0, 3, 5), track=True, trains=(1,))
    instance_case(w, "in1d_empty_spatial_track", 1, (2, 3, 0), track=True, trains=(1,))
    instance_case(w, "in1d_nan_inf", 1, (2, 3, 6), trains=(1,),
                  data=with_nonfinite((2, 3, 6), [(1, nan), (20, inf)]))
    instance_case(w, "in1d_big_mean", 1, (2, 3, 60), affine=True, track=True, trains=(1, 0),
                  data=hard((2, 3, 60), "big"))
    instance_case(w, "in2d_tiny_spread", 2, (2, 2, 7, 7), trains=(1,),
                  data=hard((2, 2, 7, 7), "tiny"))

    # LayerNorm.
    layer_case(w, "ln_1", (5, 8), 1)
    layer_case(w, "ln_2", (2, 3, 4, 5), 2, relu=True, residual=True)
    layer_case(w, "ln_3_noaffine", (2, 3, 4, 3), 3, affine=False)
    layer_case(w, "ln_nobias", (3, 6), 1, bias=False)
    layer_case(w, "ln_no_batch", (4, 5), 2, eps=1e-3)
    layer_case(w, "ln_one_element", (4, 1), 1)
    layer_case(w, "ln_nan_inf", (3, 7), 1, data=with_nonfinite((3, 7), [(3, nan), (10, -inf)]))
    layer_case(w, "ln_big_mean", (4, 150), 1, data=hard((4, 150), "big"))
    layer_case(w, "ln_tiny_spread", (3, 100), 1, data=hard((3, 100), "tiny"))

    # GroupNorm.
    group_case(w, "gn_2d", (2, 6, 3, 3), 3)
    group_case(w, "gn_1d_noaffine", (3, 4, 5), 2, affine=False, relu=True)
    group_case(w, "gn_nc", (4, 6), 6, residual=True)
    group_case(w, "gn_3d_one_group", (2, 4, 2, 2, 3), 1)
    group_case(w, "gn_nan_inf", (2, 4, 3), 2, data=with_nonfinite((2, 4, 3), [(0, nan), (15, inf)]))
    group_case(w, "gn_big_mean", (2, 4, 75), 2, data=hard((2, 4, 75), "big"))

    # LocalResponseNorm.
    lrn_case(w, "lrn_3d", (2, 7, 5), 3)
    lrn_case(w, "lrn_4d_even", (2, 6, 3, 4), 4, alpha=0.5, beta=0.6, k=2.0, scale=2.0)
    lrn_case(w, "lrn_5d", (1, 5, 2, 3, 2), 2, alpha=1.0)
    lrn_case(w, "lrn_window_wider", (2, 3, 4), 9, alpha=0.3)
    lrn_case(w, "lrn_size_1", (2, 4, 3), 1, alpha=2.0, beta=1.0)

    # SwitchableNorm (the authors' module, above).
    switch_case(w, "sn2d", 2, (2, 3, 4, 4))
    switch_case(w, "sn1d_relu_res", 1, (3, 4, 6), relu=True, residual=True, trains=(1, 0))
    switch_case(w, "sn3d", 3, (2, 2, 2, 3, 2), trains=(1, 1, 0))
    switch_case(w, "sn2d_accumulate", 2, (2, 3, 3, 3), moving=False, trains=(1, 1, 0))
    switch_case(w, "sn2d_no_bn", 2, (2, 3, 3, 4), using_bn=False, trains=(1, 0))
    switch_case(w, "sn2d_momentum", 2, (3, 2, 3, 3), momentum=0.5, trains=(0, 1, 0))
    switch_case(w, "sn2d_big_mean", 2, (2, 3, 6, 6), data=hard((2, 3, 6, 6), "big"),
                trains=(1, 0))

    # Refusals: torch raises, oclnn returns STATUS at STAGE.
    SHAPE, VALUE = "OCLNN_ERR_INVALID_SHAPE", "OCLNN_ERR_INVALID_VALUE"
    bn_attrs = lambda dims, c, affine=1, track=1: [("dims", (dims,)), ("num_features", (c,)),
                                                   ("affine", (affine,)), ("track", (track,))]
    train = lambda m, x: m.train()(x)
    evaluate = lambda m, x: m.eval()(x)
    error_case(w, "err_bn1d_rank1", "batch", bn_attrs(1, 3) + [("train_0", (1,))], (3,), SHAPE,
               "forward", lambda: nn.BatchNorm1d(3).double(), train)
    error_case(w, "err_bn1d_rank4", "batch", bn_attrs(1, 3) + [("train_0", (1,))], (2, 3, 4, 5),
               SHAPE, "forward", lambda: nn.BatchNorm1d(3).double(), train)
    error_case(w, "err_bn2d_rank3", "batch", bn_attrs(2, 3) + [("train_0", (1,))], (2, 3, 4),
               SHAPE, "forward", lambda: nn.BatchNorm2d(3).double(), train)
    error_case(w, "err_bn3d_rank4", "batch", bn_attrs(3, 3) + [("train_0", (1,))], (2, 3, 4, 4),
               SHAPE, "forward", lambda: nn.BatchNorm3d(3).double(), train)
    error_case(w, "err_bn_one_value", "batch", bn_attrs(1, 3) + [("train_0", (1,))], (1, 3),
               SHAPE, "forward", lambda: nn.BatchNorm1d(3).double(), train)
    error_case(w, "err_bn_one_value_2d", "batch", bn_attrs(2, 3) + [("train_0", (1,))],
               (1, 3, 1, 1), SHAPE, "forward", lambda: nn.BatchNorm2d(3).double(), train)
    error_case(w, "err_bn_one_value_eval_notrack", "batch", bn_attrs(1, 3, track=0) +
               [("train_0", (0,))], (1, 3), SHAPE, "forward",
               lambda: nn.BatchNorm1d(3, track_running_stats=False).double(), evaluate)
    error_case(w, "err_bn_channels", "batch", bn_attrs(1, 3) + [("train_0", (1,))], (4, 5), SHAPE,
               "forward", lambda: nn.BatchNorm1d(3).double(), train)
    error_case(w, "err_bn_channels_eval", "batch", bn_attrs(2, 3, affine=0) + [("train_0", (0,))],
               (2, 4, 2, 2), SHAPE, "forward",
               lambda: nn.BatchNorm2d(3, affine=False).double(), evaluate)
    in_attrs = lambda dims, c, affine=0, track=0: [("dims", (dims,)), ("num_features", (c,)),
                                                   ("affine", (affine,)), ("track", (track,))]
    error_case(w, "err_in1d_rank4", "instance", in_attrs(1, 3) + [("train_0", (1,))],
               (2, 3, 4, 5), SHAPE, "forward", lambda: nn.InstanceNorm1d(3).double(), train)
    error_case(w, "err_in2d_rank2", "instance", in_attrs(2, 3) + [("train_0", (1,))], (3, 4),
               SHAPE, "forward", lambda: nn.InstanceNorm2d(3).double(), train)
    error_case(w, "err_in_one_spatial", "instance", in_attrs(1, 3) + [("train_0", (1,))],
               (2, 3, 1), SHAPE, "forward", lambda: nn.InstanceNorm1d(3).double(), train)
    error_case(w, "err_in_one_spatial_eval", "instance", in_attrs(2, 3) + [("train_0", (0,))],
               (2, 3, 1, 1), SHAPE, "forward", lambda: nn.InstanceNorm2d(3).double(), evaluate)
    error_case(w, "err_in_one_spatial_unbatched", "instance", in_attrs(1, 3, track=1) +
               [("train_0", (1,))], (3, 1), SHAPE, "forward",
               lambda: nn.InstanceNorm1d(3, track_running_stats=True).double(), train)
    error_case(w, "err_in_channels_affine", "instance", in_attrs(1, 3, affine=1) +
               [("train_0", (1,))], (2, 4, 5), SHAPE, "forward",
               lambda: nn.InstanceNorm1d(3, affine=True).double(), train)
    error_case(w, "err_in_channels_track", "instance", in_attrs(1, 3, track=1) +
               [("train_0", (1,))], (2, 4, 5), SHAPE, "forward",
               lambda: nn.InstanceNorm1d(3, track_running_stats=True).double(), train)
    ln_attrs = lambda *ns: [("normalized_shape", ns)]
    error_case(w, "err_ln_trailing", "layer", ln_attrs(3, 4), (2, 4, 3), SHAPE, "forward",
               lambda: nn.LayerNorm([3, 4]).double(), train)
    error_case(w, "err_ln_short", "layer", ln_attrs(3, 4), (4,), SHAPE, "forward",
               lambda: nn.LayerNorm([3, 4]).double(), train)
    gn_attrs = lambda g, c, affine=1: [("num_groups", (g,)), ("num_channels", (c,)),
                                       ("affine", (affine,))]
    error_case(w, "err_gn_divisible", "group", gn_attrs(3, 4), (2, 4, 3), VALUE, "create",
               lambda: nn.GroupNorm(3, 4).double(), train)
    error_case(w, "err_gn_zero_groups", "group", gn_attrs(0, 4), (2, 4, 3), VALUE, "create",
               lambda: nn.GroupNorm(0, 4).double(), train)
    error_case(w, "err_gn_rank1", "group", gn_attrs(2, 4), (4,), SHAPE, "forward",
               lambda: nn.GroupNorm(2, 4).double(), train)
    error_case(w, "err_gn_channels", "group", gn_attrs(2, 4), (2, 6, 3), SHAPE, "forward",
               lambda: nn.GroupNorm(2, 4).double(), train)
    error_case(w, "err_gn_channels_not_divisible", "group", gn_attrs(2, 4, affine=0), (2, 5, 3),
               SHAPE, "forward", lambda: nn.GroupNorm(2, 4, affine=False).double(), train)
    error_case(w, "err_gn_one_value", "group", gn_attrs(4, 4), (1, 4), SHAPE, "forward",
               lambda: nn.GroupNorm(4, 4).double(), train)
    lrn_attrs = lambda size: [("size", (size,))]
    error_case(w, "err_lrn_size0", "lrn", lrn_attrs(0), (2, 3, 4), VALUE, "create",
               lambda: nn.LocalResponseNorm(0), train)
    error_case(w, "err_lrn_size_negative", "lrn", lrn_attrs(-2), (2, 3, 4), VALUE, "create",
               lambda: nn.LocalResponseNorm(-2), train)
    error_case(w, "err_lrn_rank2", "lrn", lrn_attrs(2), (2, 3), SHAPE, "forward",
               lambda: nn.LocalResponseNorm(2), train)
    sn_attrs = lambda dims, c: [("dims", (dims,)), ("num_features", (c,))]
    error_case(w, "err_sn2d_rank3", "switch", sn_attrs(2, 3) + [("train_0", (1,))], (2, 3, 4),
               SHAPE, "forward", lambda: SwitchNorm(3, dims=2).double(), train)

    with open(out, "w") as f:
        f.write("# Normalization cases computed by torch %s in float64 with "
                "tools/gen_norm_cases.py (seed %d).\n" % (torch.__version__, SEED))
        f.write("# Regenerate: /usr/bin/python3 tools/gen_norm_cases.py %s\n" % out)
        f.write("# Format: see the script's docstring.\n")
        for line in w.lines:
            f.write(line + "\n")


if __name__ == "__main__":
    main()
