#!/usr/bin/env python3
"""Small ONNX graphs for tests/test_model_api.c: the runner's corners that torch 1.13's exports
(tools/gen_onnx_nets.py) do not reach, with onnxruntime's outputs as references.

    python3 tools/gen_model_api_nets.py [OUT_DIR]   (default tests/data/model_api)

Run it with the PyPI python3 that has onnx and onnxruntime (not Debian's /usr/bin/python3).
Writes NAME.onnx, NAME.in.bin (the input) and NAME.outK.bin (output K), raw little-endian
float32 in C order; the shapes are in the test.

  gn18        GroupNormalization opset 18 (scale and bias per group), C=6, G=3, input 2x6x5x7
  edges       input 2x3x4x5 -> outputs: Identity(x) (a copy of an input), Relu(x),
              Add(Relu(x), x) (read after being an output), Flatten(axis=2) of it (an alias of
              another output)
  addscalar   x + (-0.25), a rank-0 constant, then Relu: input 2x3x4
  rank6       Reshape to rank 6, then Relu: refused at plan time (device tensors have rank <= 5)
  shape_empty a Shape node whose input is omitted (""): refused, not dereferenced
"""
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper
from onnx import numpy_helper as nh

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "model_api")
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(20261125)


def model(nodes, inputs, outputs, inits=(), opset=13, ir=7):
    g = helper.make_graph(
        nodes, "g",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in inputs],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in outputs],
        list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = ir
    return m


def save(name, m, x=None):
    path = os.path.join(OUT, name + ".onnx")
    onnx.save(m, path)
    if x is None:
        return
    x.astype("<f4").tofile(os.path.join(OUT, name + ".in.bin"))
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    for k, y in enumerate(sess.run(None, {sess.get_inputs()[0].name: x})):
        y.astype("<f4").tofile(os.path.join(OUT, "%s.out%d.bin" % (name, k)))


C, G = 6, 3
save("gn18", model(
    [helper.make_node("GroupNormalization", ["x", "s", "b"], ["y"], num_groups=G, epsilon=1e-5,
                      name="gn")],
    [("x", ["N", C, "H", "W"])], ["y"],
    [nh.from_array((rng.random(G) + 0.5).astype(np.float32), "s"),
     nh.from_array((rng.random(G) - 0.5).astype(np.float32), "b")], opset=18, ir=8),
    rng.standard_normal((2, C, 5, 7)).astype(np.float32))

save("edges", model(
    [helper.make_node("Identity", ["x"], ["a"], name="id"),
     helper.make_node("Relu", ["x"], ["r"], name="relu"),
     helper.make_node("Add", ["r", "x"], ["s"], name="add"),
     helper.make_node("Flatten", ["s"], ["f"], axis=2, name="flat")],
    [("x", ["N", 3, 4, 5])], ["a", "r", "s", "f"]),
    rng.standard_normal((2, 3, 4, 5)).astype(np.float32))

save("addscalar", model(
    [helper.make_node("Add", ["x", "c"], ["y"], name="add"),
     helper.make_node("Relu", ["y"], ["z"], name="relu")],
    [("x", ["N", 3, 4])], ["z"], [nh.from_array(np.array(-0.25, np.float32), "c")]),
    rng.standard_normal((2, 3, 4)).astype(np.float32))

save("rank6", model(
    [helper.make_node("Reshape", ["x", "s"], ["y"], name="reshape6"),
     helper.make_node("Relu", ["y"], ["z"], name="relu6")],
    [("x", [2, 3, 4])], ["z"], [nh.from_array(np.array([1, 1, 1, 2, 3, 4], np.int64), "s")]))

save("shape_empty", model(
    [helper.make_node("Shape", [""], ["s"], name="shape_of_nothing"),
     helper.make_node("Reshape", ["x", "s"], ["z"], name="reshape")],
    [("x", [2, 3, 4])], ["z"]))
print("wrote", OUT)
