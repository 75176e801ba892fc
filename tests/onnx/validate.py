#!/usr/bin/python3
"""Checks an ONNX model exported by Nn against Nn's own predictions.

Usage: validate.py MODEL.onnx DATA.json

DATA.json holds {"inputs": [[...], ...], "predictions": [[...], ...]}: raw inputs, one observation per row
([N, features], before any standardisation), and the outputs Nn computed for them ([N, outputs]).

The script
  1. runs the ONNX checker with full_check (structure, operator schemas, strict shape inference);
  2. reads the initializers with onnx.numpy_helper.to_array;
  3. evaluates the graph in numpy by walking its nodes in order, implementing exactly the operators the
     exporter emits (Gemm, Sigmoid, Tanh, Relu, Mul, Max, Softmax, Sub, Div) from the ONNX operator
     definitions, in the graph's own precision;
  4. compares the graph's output with Nn's predictions: the largest absolute difference must be at most
     1e-6 for a float64 graph and 1e-4 for a float32 graph.

Exit status: 0 when everything agrees, 1 when the model or its output is wrong, 2 when the environment lacks
onnx or numpy, 3 for bad usage or an unreadable data file. Messages go to stderr.
"""

import json
import sys

TOLERANCE = {"float64": 1e-6, "float32": 1e-4}


def fail(message, status=1):
    print(f"validate.py: {message}", file=sys.stderr)
    sys.exit(status)


try:
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper
except ImportError as error:
    fail(
        f"cannot import onnx and numpy ({error}) with {sys.executable}: install the Debian packages "
        "python3-onnx and python3-numpy (apt-get install python3-onnx python3-numpy)",
        2,
    )


def attributes(node):
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def sigmoid(x):
    # 1 / (1 + e^-x), written so that neither branch overflows.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype)


def softmax(x, axis):
    shifted = x - np.max(x, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


def gemm(inputs, attrs, dtype):
    a, b = inputs[0], inputs[1]
    if attrs.get("transA", 0):
        a = a.T
    if attrs.get("transB", 0):
        b = b.T
    y = dtype(attrs.get("alpha", 1.0)) * (a @ b)
    if len(inputs) > 2:
        y = y + dtype(attrs.get("beta", 1.0)) * inputs[2]
    return y


def evaluate(node, inputs, dtype):
    attrs = attributes(node)
    op = node.op_type
    if node.domain not in ("", "ai.onnx"):
        fail(f"node '{node.name}' uses operator domain '{node.domain}'; only the default domain is expected")
    if op == "Gemm":
        return gemm(inputs, attrs, dtype)
    if op == "Sigmoid":
        return sigmoid(inputs[0])
    if op == "Tanh":
        return np.tanh(inputs[0])
    if op == "Relu":
        return np.maximum(inputs[0], dtype(0))
    if op == "Mul":
        return inputs[0] * inputs[1]
    if op == "Max":
        return np.maximum(inputs[0], inputs[1])
    if op == "Softmax":
        return softmax(inputs[0], attrs.get("axis", -1))
    if op == "Sub":
        return inputs[0] - inputs[1]
    if op == "Div":
        return inputs[0] / inputs[1]
    fail(f"node '{node.name}' has operator {op}, which the exporter never emits")


def shape_of(value_info):
    dims = value_info.type.tensor_type.shape.dim
    return [d.dim_value if d.HasField("dim_value") else d.dim_param for d in dims]


def main(argv):
    if len(argv) != 3:
        fail("usage: validate.py MODEL.onnx DATA.json", 3)
    model_path, data_path = argv[1], argv[2]

    try:
        with open(data_path, encoding="utf-8") as f:
            data = json.load(f)
        raw_inputs, predictions = data["inputs"], data["predictions"]
    except (OSError, ValueError, KeyError) as error:
        fail(f"cannot read inputs and predictions from {data_path}: {error}", 3)

    try:
        model = onnx.load(model_path)
    except Exception as error:  # protobuf's DecodeError, or an OSError
        fail(f"cannot read an ONNX model from {model_path}: {type(error).__name__}: {error}")
    try:
        onnx.checker.check_model(model, full_check=True)
    except Exception as error:  # the checker raises several exception types
        fail(f"onnx.checker rejects {model_path}: {error}")

    graph = model.graph
    if len(graph.input) != 1 or len(graph.output) != 1:
        fail(f"the graph has {len(graph.input)} inputs and {len(graph.output)} outputs; expected one of each")
    elem_type = graph.input[0].type.tensor_type.elem_type
    names = {onnx.TensorProto.FLOAT: "float32", onnx.TensorProto.DOUBLE: "float64"}
    if elem_type not in names or graph.output[0].type.tensor_type.elem_type != elem_type:
        fail(f"the graph's input and output must both be FLOAT or DOUBLE, not {elem_type} and "
             f"{graph.output[0].type.tensor_type.elem_type}")
    precision = names[elem_type]
    dtype = np.dtype(precision).type
    tolerance = TOLERANCE[precision]

    env = {}
    for tensor in graph.initializer:
        value = numpy_helper.to_array(tensor)
        if value.dtype != np.dtype(precision):
            fail(f"initializer '{tensor.name}' is {value.dtype} in a {precision} graph")
        if not np.all(np.isfinite(value)):
            fail(f"initializer '{tensor.name}' holds a non-finite value")
        env[tensor.name] = value

    x = np.asarray(raw_inputs, dtype=np.float64)
    expected = np.asarray(predictions, dtype=np.float64)
    declared_in, declared_out = shape_of(graph.input[0]), shape_of(graph.output[0])
    if x.ndim != 2 or len(declared_in) != 2 or x.shape[1] != declared_in[1]:
        fail(f"inputs have shape {list(x.shape)} but the graph input is declared {declared_in}")
    env[graph.input[0].name] = x.astype(dtype)

    for node in graph.node:
        missing = [name for name in node.input if name not in env]
        if missing:
            fail(f"node '{node.name}' reads {missing}, which no earlier node or initializer provides")
        result = evaluate(node, [env[name] for name in node.input], dtype)
        if result.dtype != np.dtype(precision):
            fail(f"node '{node.name}' ({node.op_type}) produced {result.dtype} in a {precision} graph")
        env[node.output[0]] = result

    output_name = graph.output[0].name
    if output_name not in env:
        fail(f"no node produces the graph output '{output_name}'")
    actual = env[output_name].astype(np.float64)
    expected_shape = [x.shape[0], declared_out[1]] if len(declared_out) == 2 else declared_out
    if list(actual.shape) != expected_shape or actual.shape != expected.shape:
        fail(f"the graph output has shape {list(actual.shape)}, declared {declared_out}, "
             f"but Nn's predictions have shape {list(expected.shape)}")
    if not np.all(np.isfinite(actual)) or not np.all(np.isfinite(expected)):
        fail("the graph output or Nn's predictions hold a non-finite value")

    difference = np.abs(actual - expected)
    worst = np.unravel_index(np.argmax(difference), difference.shape)
    largest = float(difference[worst])
    if largest > tolerance:
        fail(f"the {precision} graph disagrees with Nn: max |onnx - nn| = {largest:.3e} > {tolerance:.0e} "
             f"at observation {worst[0]}, unit {worst[1]} (onnx {actual[worst]!r}, nn {expected[worst]!r})")
    ops = ", ".join(node.op_type for node in graph.node)
    print(f"ok: {model_path} ({precision}, ir {model.ir_version}, opset "
          f"{[o.version for o in model.opset_import]}, {ops}): {x.shape[0]} observations, "
          f"max |onnx - nn| = {largest:.3e} <= {tolerance:.0e}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
