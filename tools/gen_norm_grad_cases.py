#!/usr/bin/python3
"""Writes tests/data/norm_grad_cases.txt: normalization gradients and saved statistics computed
by PyTorch, for test_norm_backward (BatchNorm, InstanceNorm, LayerNorm, GroupNorm).

Run with Debian's torch:  /usr/bin/python3 tools/gen_norm_grad_cases.py [OUTPUT]
The output is deterministic (seeded; torch is only the oracle). Commit it with this script.

Inputs are float32 values; torch computes in float64 on them (so the expected values are what
exact arithmetic gives for the data the device sees), stored rounded to float32:
  grad_in, grad_weight, grad_bias = torch.autograd.grad((norm(x) * dy).sum(), (x, w, b))
  save_mean, save_invstd from torch.ops.aten.native_batch_norm / native_layer_norm /
  native_group_norm (InstanceNorm: native_batch_norm on x viewed as (1, N*C, *), which is how
  torch computes it); in eval with running statistics they are running_mean and
  1/sqrt(running_var + eps) broadcast to the groups, as oclnn's forward_save defines them.

Format (whitespace-separated tokens; '#' starts a comment line):
  case NAME LAYER              LAYER: batch | instance | layer | group
  attr KEY COUNT V1 .. VCOUNT  dims, num_features, eps, affine, track, training,
                               normalized_shape, bias, num_groups, num_channels
  tensor KEY RANK S1 .. SRANK V1 .. Vnumel
                               x, dy, weight, bias, running_mean, running_var (inputs);
                               save_mean, save_invstd, grad_in, grad_weight, grad_bias (expected)
  end
"""

import sys
import warnings

import torch
import torch.nn.functional as F

SEED = 20261206
warnings.simplefilter("ignore")
torch.manual_seed(SEED)

OUT = []


def f32(t):
    return t.to(torch.float32).to(torch.float64)


def emit_tensor(key, t):
    t = t.detach().to(torch.float32)
    vals = " ".join("%.9g" % v for v in t.reshape(-1).tolist())
    OUT.append("tensor %s %d %s %s" % (key, t.dim(), " ".join(str(s) for s in t.shape), vals))


def emit_attr(key, *vals):
    OUT.append("attr %s %d %s" % (key, len(vals), " ".join(str(v) for v in vals)))


def rand(*shape, scale=1.0, offset=0.0):
    return f32(torch.randn(*shape, dtype=torch.float64) * scale + offset)


def grads(y, dy, inputs):
    got = torch.autograd.grad((y * dy).sum(), [t for t in inputs if t is not None])
    it = iter(got)
    return [next(it) if t is not None else None for t in inputs]


def finish(x, dy, w, b, extra, save_mean, save_invstd, gx, gw, gb):
    emit_tensor("x", x)
    emit_tensor("dy", dy)
    if w is not None:
        emit_tensor("weight", w)
    if b is not None:
        emit_tensor("bias", b)
    for key, t in extra:
        emit_tensor(key, t)
    emit_tensor("save_mean", save_mean.reshape(-1))
    emit_tensor("save_invstd", save_invstd.reshape(-1))
    emit_tensor("grad_in", gx)
    if gw is not None:
        emit_tensor("grad_weight", gw)
    if gb is not None:
        emit_tensor("grad_bias", gb)
    OUT.append("end")


def batch(name, dims, shape, affine=True, track=True, training=True, eps=1e-5, scale=1.0,
          offset=0.0):
    C = shape[1]
    OUT.append("case %s batch" % name)
    emit_attr("dims", dims)
    emit_attr("num_features", C)
    emit_attr("eps", eps)
    emit_attr("affine", int(affine))
    emit_attr("track", int(track))
    emit_attr("training", int(training))
    x = rand(*shape, scale=scale, offset=offset).requires_grad_()
    dy = rand(*shape)
    w = rand(C, offset=1.0).requires_grad_() if affine else None
    b = rand(C).requires_grad_() if affine else None
    rm = rand(C, scale=0.5) if track else None
    rv = f32(torch.rand(C, dtype=torch.float64) + 0.5) if track else None
    use_batch = training or not track
    y = F.batch_norm(x, rm.clone() if track else None, rv.clone() if track else None, w, b,
                     training=use_batch, momentum=0.1, eps=eps)
    gx, gw, gb = grads(y, dy, [x, w, b])
    if use_batch:
        _, sm, si = torch.ops.aten.native_batch_norm(x.detach(), None, None, None, None, True,
                                                     0.1, eps)
    else:
        sm, si = rm, 1.0 / torch.sqrt(rv + eps)
    extra = [("running_mean", rm), ("running_var", rv)] if track else []
    finish(x, dy, w, b, extra, sm, si, gx, gw, gb)


def instance(name, dims, shape, affine=True, track=False, training=True, eps=1e-5):
    batched = len(shape) == dims + 2
    C = shape[1] if batched else shape[0]
    OUT.append("case %s instance" % name)
    emit_attr("dims", dims)
    emit_attr("num_features", C)
    emit_attr("eps", eps)
    emit_attr("affine", int(affine))
    emit_attr("track", int(track))
    emit_attr("training", int(training))
    x = rand(*shape).requires_grad_()
    dy = rand(*shape)
    w = rand(C, offset=1.0).requires_grad_() if affine else None
    b = rand(C).requires_grad_() if affine else None
    rm = rand(C, scale=0.5) if track else None
    rv = f32(torch.rand(C, dtype=torch.float64) + 0.5) if track else None
    xb = x if batched else x.unsqueeze(0)
    yb = F.instance_norm(xb, rm.clone() if track else None, rv.clone() if track else None, w, b,
                         use_input_stats=training or not track, momentum=0.1, eps=eps)
    y = yb if batched else yb.squeeze(0)
    gx, gw, gb = grads(y, dy, [x, w, b])
    N = xb.shape[0]
    if training or not track:
        flat = xb.detach().reshape(1, N * C, -1)
        _, sm, si = torch.ops.aten.native_batch_norm(flat, None, None, None, None, True, 0.1, eps)
    else:
        sm = rm.repeat(N)
        si = (1.0 / torch.sqrt(rv + eps)).repeat(N)
    extra = [("running_mean", rm), ("running_var", rv)] if track else []
    finish(x, dy, w, b, extra, sm, si, gx, gw, gb)


def layer(name, shape, k, affine=True, bias=True, eps=1e-5):
    ns = list(shape[len(shape) - k:])
    OUT.append("case %s layer" % name)
    emit_attr("normalized_shape", *ns)
    emit_attr("eps", eps)
    emit_attr("affine", int(affine))
    emit_attr("bias", int(bias))
    x = rand(*shape).requires_grad_()
    dy = rand(*shape)
    w = rand(*ns, offset=1.0).requires_grad_() if affine else None
    b = rand(*ns).requires_grad_() if affine and bias else None
    y = F.layer_norm(x, ns, w, b, eps)
    gx, gw, gb = grads(y, dy, [x, w, b])
    _, sm, si = torch.ops.aten.native_layer_norm(x.detach(), ns, None, None, eps)
    finish(x, dy, w, b, [], sm, si, gx, gw, gb)


def group(name, G, shape, affine=True, eps=1e-5):
    N, C = shape[0], shape[1]
    OUT.append("case %s group" % name)
    emit_attr("num_groups", G)
    emit_attr("num_channels", C)
    emit_attr("eps", eps)
    emit_attr("affine", int(affine))
    x = rand(*shape).requires_grad_()
    dy = rand(*shape)
    w = rand(C, offset=1.0).requires_grad_() if affine else None
    b = rand(C).requires_grad_() if affine else None
    y = F.group_norm(x, G, w, b, eps)
    gx, gw, gb = grads(y, dy, [x, w, b])
    HxW = x[0, 0].numel()
    _, sm, si = torch.ops.aten.native_group_norm(x.detach(), None, None, N, C, HxW, G, eps)
    finish(x, dy, w, b, [], sm, si, gx, gw, gb)


def main():
    batch("bn2d_train", 2, (2, 3, 4, 5))
    batch("bn2d_train_offset", 2, (3, 2, 3, 3), scale=0.01, offset=2.0)
    batch("bn1d_nc_train", 1, (5, 4))
    batch("bn1d_ncl_noaffine_notrack", 1, (3, 4, 7), affine=False, track=False)
    batch("bn1d_notrack_eval", 1, (3, 2, 5), track=False, training=False)
    batch("bn2d_eval", 2, (2, 3, 3, 4), training=False)
    batch("bn1d_nc_eval_noaffine", 1, (4, 3), affine=False, training=False)
    batch("bn3d_train", 3, (2, 2, 2, 3, 2), eps=1e-3)
    instance("in1d_affine", 1, (2, 3, 9), affine=True)
    instance("in2d_unbatched", 2, (3, 4, 5), affine=True)
    instance("in2d_plain", 2, (2, 3, 3, 3), affine=False)
    instance("in2d_track_eval", 2, (2, 3, 3, 4), affine=True, track=True, training=False)
    instance("in3d_track_train", 3, (2, 2, 2, 2, 3), affine=True, track=True, training=True)
    layer("ln_1d", (3, 5), 1)
    layer("ln_2d", (2, 4, 6), 2)
    layer("ln_noaffine", (2, 3, 7), 1, affine=False)
    layer("ln_nobias", (4, 6), 1, bias=False)
    layer("ln_whole", (4, 6), 2, eps=1e-3)
    group("gn_2_4", 2, (2, 4, 3, 3))
    group("gn_3_6", 3, (2, 6, 5))
    group("gn_1_3_plain", 1, (3, 3, 4), affine=False)
    group("gn_rank2", 2, (3, 4))
    group("gn_4_4", 4, (2, 4, 2, 3))
    text = "# Generated by tools/gen_norm_grad_cases.py (torch %s); do not edit.\n" % (
        torch.__version__) + "\n".join(OUT) + "\n"
    path = sys.argv[1] if len(sys.argv) > 1 else "tests/data/norm_grad_cases.txt"
    with open(path, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
