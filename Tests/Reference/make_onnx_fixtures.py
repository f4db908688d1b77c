#!/usr/bin/python3
"""Writes the small ONNX models and numpy-computed expected outputs used by Tests/Transforms.Tests/Onnx.

Run with Debian's interpreter (onnx + numpy only):  /usr/bin/python3 Tests/Reference/make_onnx_fixtures.py

Outputs, all in Tests/Fixtures/onnx/:
  tiny_convnet.onnx       Conv(3->4, 3x3, pad 1) + Relu + GlobalAveragePool + Flatten + Gemm(4->5);
                          input "input" [N,3,8,8] float32 with symbolic batch "N", output "logits" [N,5].
  tiny_convnet.json       a fixed batch of 4 inputs and the logits numpy computes for them.
  mixed_types.onnx        float16 / int64 / uint8 / bool inputs and outputs (Cast, Add, Not), shapes [2,3].
  mixed_types.json        fixed inputs and numpy's outputs for them.
  unused_initializer.onnx Identity("x" [2] float -> "y") plus an initializer no node uses, which ONNX Runtime
                          removes with a warning in its log (used to check that the runtime's log reaches ours).

Weights and inputs come from numpy's seeded generator, so reruns write identical files.
"""
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Fixtures", "onnx")
OPSET = 13
IR_VERSION = 8


def tensor_json(array):
    """Shape plus flat data; float16 travels as float32 values (exactly representable)."""
    flat = array.reshape(-1)
    if array.dtype == np.bool_:
        data = [bool(v) for v in flat]
    elif array.dtype.kind in "iu":
        data = [int(v) for v in flat]
    else:
        data = [float(v) for v in flat.astype(np.float64)]
    return {"dtype": str(array.dtype), "shape": list(array.shape), "data": data}


def save(model, name):
    onnx.checker.check_model(model)
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(model.SerializeToString())


def conv2d_same_3x3(x, w, b):
    """Reference NCHW convolution, stride 1, padding 1, in float64."""
    n, c, h, wd = x.shape
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    out = np.zeros((n, w.shape[0], h, wd), dtype=np.float64)
    for i in range(3):
        for j in range(3):
            patch = padded[:, :, i:i + h, j:j + wd]                    # n, c, h, w
            out += np.einsum("nchw,oc->nohw", patch, w[:, :, i, j])
    return out + b[None, :, None, None]


def tiny_convnet(rng):
    w_conv = rng.normal(0, 0.3, size=(4, 3, 3, 3)).astype(np.float32)
    b_conv = rng.normal(0, 0.1, size=(4,)).astype(np.float32)
    w_fc = rng.normal(0, 0.5, size=(5, 4)).astype(np.float32)   # Gemm with transB=1: [out, in]
    b_fc = rng.normal(0, 0.1, size=(5,)).astype(np.float32)

    nodes = [
        helper.make_node("Conv", ["input", "conv.weight", "conv.bias"], ["conv"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["conv"], ["relu"]),
        helper.make_node("GlobalAveragePool", ["relu"], ["pool"]),
        helper.make_node("Flatten", ["pool"], ["flat"], axis=1),
        helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"], ["logits"], transB=1),
    ]
    graph = helper.make_graph(
        nodes, "tiny_convnet",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, 8, 8])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 5])],
        initializer=[
            numpy_helper.from_array(w_conv, "conv.weight"),
            numpy_helper.from_array(b_conv, "conv.bias"),
            numpy_helper.from_array(w_fc, "fc.weight"),
            numpy_helper.from_array(b_fc, "fc.bias"),
        ])
    model = helper.make_model(graph, producer_name="mlnetattn-fixtures", opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    save(model, "tiny_convnet.onnx")

    x = rng.uniform(-1, 1, size=(4, 3, 8, 8)).astype(np.float32)
    conv = np.maximum(conv2d_same_3x3(x.astype(np.float64), w_conv.astype(np.float64), b_conv.astype(np.float64)), 0)
    pooled = conv.mean(axis=(2, 3))
    logits = (pooled @ w_fc.astype(np.float64).T + b_fc).astype(np.float32)
    with open(os.path.join(OUT, "tiny_convnet.json"), "w") as f:
        json.dump({"input": tensor_json(x), "logits": tensor_json(logits)}, f)


def mixed_types(rng):
    shape = [2, 3]
    half_bias = np.array(0.5, dtype=np.float32)
    nodes = [
        # half_out = float16(float(half_in) + 0.5); done in float so every CPU build has the kernels.
        helper.make_node("Cast", ["half_in"], ["half_as_float"], to=TensorProto.FLOAT),
        helper.make_node("Add", ["half_as_float", "half_bias"], ["half_sum"]),
        helper.make_node("Cast", ["half_sum"], ["half_out"], to=TensorProto.FLOAT16),
        # long_out = long_in + int64(byte_in)
        helper.make_node("Cast", ["byte_in"], ["byte_as_long"], to=TensorProto.INT64),
        helper.make_node("Add", ["long_in", "byte_as_long"], ["long_out"]),
        # byte_out = uint8(long_in)  (inputs are chosen in 0..200, so no wrap-around)
        helper.make_node("Cast", ["long_in"], ["byte_out"], to=TensorProto.UINT8),
        # flag_out = not flag_in
        helper.make_node("Not", ["flag_in"], ["flag_out"]),
    ]
    graph = helper.make_graph(
        nodes, "mixed_types",
        [
            helper.make_tensor_value_info("half_in", TensorProto.FLOAT16, shape),
            helper.make_tensor_value_info("long_in", TensorProto.INT64, shape),
            helper.make_tensor_value_info("byte_in", TensorProto.UINT8, shape),
            helper.make_tensor_value_info("flag_in", TensorProto.BOOL, shape),
        ],
        [
            helper.make_tensor_value_info("half_out", TensorProto.FLOAT16, shape),
            helper.make_tensor_value_info("long_out", TensorProto.INT64, shape),
            helper.make_tensor_value_info("byte_out", TensorProto.UINT8, shape),
            helper.make_tensor_value_info("flag_out", TensorProto.BOOL, shape),
        ],
        initializer=[numpy_helper.from_array(half_bias, "half_bias")])
    model = helper.make_model(graph, producer_name="mlnetattn-fixtures", opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    save(model, "mixed_types.onnx")

    half_in = rng.uniform(-4, 4, size=shape).astype(np.float16)
    long_in = rng.integers(0, 200, size=shape).astype(np.int64)
    long_in[0, 0] = 200                                   # the largest value, still below 256
    byte_in = rng.integers(0, 256, size=shape).astype(np.uint8)
    flag_in = rng.integers(0, 2, size=shape).astype(np.bool_)

    half_out = (half_in.astype(np.float32) + half_bias).astype(np.float16)
    long_out = long_in + byte_in.astype(np.int64)
    byte_out = long_in.astype(np.uint8)
    flag_out = np.logical_not(flag_in)
    with open(os.path.join(OUT, "mixed_types.json"), "w") as f:
        json.dump({
            "half_in": tensor_json(half_in), "long_in": tensor_json(long_in),
            "byte_in": tensor_json(byte_in), "flag_in": tensor_json(flag_in),
            "half_out": tensor_json(half_out), "long_out": tensor_json(long_out),
            "byte_out": tensor_json(byte_out), "flag_out": tensor_json(flag_out),
        }, f)


def unused_initializer():
    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"])], "unused_initializer",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])],
        initializer=[numpy_helper.from_array(np.zeros(3, dtype=np.float32), "never_used")])
    model = helper.make_model(graph, producer_name="mlnetattn-fixtures", opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    save(model, "unused_initializer.onnx")


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20240607)
    tiny_convnet(rng)
    mixed_types(rng)
    unused_initializer()


if __name__ == "__main__":
    main()
