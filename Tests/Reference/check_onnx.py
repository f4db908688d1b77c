#!/usr/bin/python3
"""Validates an ONNX model written by MLNetAttn's GraphBuilder and prints what it holds as JSON.

Usage: /usr/bin/python3 Tests/Reference/check_onnx.py MODEL.onnx [--no-check]

Runs onnx.checker.check_model(model, full_check=True) (which includes strict shape inference), then prints
one JSON object: model fields, opsets, metadata, graph inputs/outputs with dims (int, name or null),
initializers (dims, data type, values when small), nodes with decoded attributes, and the shapes that
onnx's shape inference derives for intermediate values. --no-check skips the checker (for opsets newer
than the installed onnx knows). Exit status 2 when onnx is not installed, 1 when the checker rejects.
Needs Debian's python3-onnx (onnx 1.12) and python3-numpy.
"""
import json
import math
import sys

try:
    import onnx
    from onnx import helper, numpy_helper, shape_inference
except ImportError as e:  # reported by the C# tests as a setup problem
    print(f"onnx is not importable ({e}); install python3-onnx (apt-get install python3-onnx)", file=sys.stderr)
    sys.exit(2)

SMALL = 256  # initializers up to this many elements have their values printed


def dims_of(value_info):
    t = value_info.type.tensor_type
    if not t.HasField("shape"):
        return None
    out = []
    for d in t.shape.dim:
        which = d.WhichOneof("value")
        out.append(d.dim_value if which == "dim_value" else d.dim_param if which == "dim_param" else None)
    return out


def value_info_json(v):
    return {"name": v.name, "elem_type": v.type.tensor_type.elem_type, "dims": dims_of(v)}


def attribute_json(a):
    v = helper.get_attribute_value(a)
    if isinstance(v, bytes):
        return v.decode("utf-8")
    if isinstance(v, list):
        return [x.decode("utf-8") if isinstance(x, bytes) else x for x in v]
    return v


def main():
    path = sys.argv[1]
    check = "--no-check" not in sys.argv[2:]
    model = onnx.load(path)
    if check:
        try:
            onnx.checker.check_model(model, full_check=True)
        except Exception as e:  # the checker raises several exception types
            print(f"check_model rejected {path}: {e}", file=sys.stderr)
            sys.exit(1)
    g = model.graph
    inferred = []
    if check:
        inferred = [value_info_json(v) for v in shape_inference.infer_shapes(model, strict_mode=True, data_prop=True).graph.value_info]
    initializers = []
    for t in g.initializer:
        entry = {"name": t.name, "data_type": t.data_type, "dims": list(t.dims), "raw": t.HasField("raw_data")}
        array = numpy_helper.to_array(t)
        if array.size <= SMALL:
            # JSON has no NaN or infinity literals, so non-finite values are written as strings.
            entry["values"] = [v if not isinstance(v, float) or math.isfinite(v) else str(v) for v in array.flatten().tolist()]
        initializers.append(entry)
    result = {
        "ir_version": model.ir_version,
        "producer_name": model.producer_name,
        "producer_version": model.producer_version,
        "doc_string": model.doc_string,
        "opset": {o.domain: o.version for o in model.opset_import},
        "metadata": [[p.key, p.value] for p in model.metadata_props],
        "graph_name": g.name,
        "inputs": [value_info_json(v) for v in g.input],
        "outputs": [value_info_json(v) for v in g.output],
        "initializers": initializers,
        "nodes": [
            {
                "name": n.name,
                "op_type": n.op_type,
                "domain": n.domain,
                "inputs": list(n.input),
                "outputs": list(n.output),
                "attributes": {a.name: attribute_json(a) for a in n.attribute},
            }
            for n in g.node
        ],
        "value_info": inferred,
    }
    json.dump(result, sys.stdout, allow_nan=False)


if __name__ == "__main__":
    main()
