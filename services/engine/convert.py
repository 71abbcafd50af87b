"""Turn an fp16 ONNX model into fp32: on CPUs without fast fp16 kernels it is the quicker form."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, numpy_helper

FP16, FP32 = TensorProto.FLOAT16, TensorProto.FLOAT


def _tensor_to_fp32(tensor: onnx.TensorProto) -> onnx.TensorProto:
    if tensor.data_type != FP16:
        return tensor
    array = numpy_helper.to_array(tensor).astype(np.float32)
    return numpy_helper.from_array(array, tensor.name)


def _widen_types(graph: onnx.GraphProto) -> None:
    for info in [*graph.input, *graph.output, *graph.value_info]:
        if info.type.tensor_type.elem_type == FP16:
            info.type.tensor_type.elem_type = FP32


def _widen_nodes(graph: onnx.GraphProto) -> None:
    for node in graph.node:
        for attr in node.attribute:
            if attr.type == onnx.AttributeProto.TENSOR:
                attr.t.CopyFrom(_tensor_to_fp32(attr.t))
            elif node.op_type == "Cast" and attr.name == "to" and attr.i == FP16:
                attr.i = FP32


def _drop_noop_casts(model: onnx.ModelProto) -> int:
    """Remove Cast nodes whose input is already of the target type."""
    inferred = onnx.shape_inference.infer_shapes(model)
    types = {
        info.name: info.type.tensor_type.elem_type
        for info in [*inferred.graph.input, *inferred.graph.value_info, *inferred.graph.output]
    }
    types.update({t.name: t.data_type for t in model.graph.initializer})
    graph = model.graph
    outputs = {o.name for o in graph.output}
    rename: dict[str, str] = {}
    for node in graph.node:
        target = next((a.i for a in node.attribute if a.name == "to"), None)
        noop = node.op_type == "Cast" and types.get(node.input[0]) == target
        if noop and node.output[0] not in outputs:
            rename[node.output[0]] = node.input[0]

    def resolve(name: str) -> str:
        while name in rename:
            name = rename[name]
        return name

    kept = [node for node in graph.node if node.op_type != "Cast" or node.output[0] not in rename]
    for node in kept:
        node.input[:] = [resolve(name) for name in node.input]
    del graph.node[:]
    graph.node.extend(kept)
    return len(rename)


def to_float32(src: Path, dest: Path) -> None:
    model = onnx.load(str(src))
    graph = model.graph
    initializers = [_tensor_to_fp32(t) for t in graph.initializer]
    del graph.initializer[:]
    graph.initializer.extend(initializers)
    _widen_types(graph)
    _widen_nodes(graph)
    _drop_noop_casts(model)
    onnx.checker.check_model(model)
    onnx.save(model, str(dest))
