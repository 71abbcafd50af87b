"""Turn an fp16 ONNX model into fp32: on CPUs without fast fp16 kernels it is the quicker form."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

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


def _prune_to_first_output(graph: onnx.GraphProto) -> None:
    """Keep only the first output (the fused mask) and drop the nodes only the others need."""
    del graph.output[1:]
    needed = {graph.output[0].name}
    live = []
    for node in reversed(graph.node):
        if any(name in needed for name in node.output):
            live.append(node)
            needed.update(node.input)
    del graph.node[:]
    graph.node.extend(reversed(live))
    used = [t for t in graph.initializer if t.name in needed]
    del graph.initializer[:]
    graph.initializer.extend(used)


def _constant(name: str, value: int) -> onnx.NodeProto:
    tensor = numpy_helper.from_array(np.array([value]))
    return helper.make_node("Constant", [], [name], value=tensor)


def _dynamic_resizes(graph: onnx.GraphProto, native: int) -> None:
    """Let the input be any multiple of 32 pixels, not only `native`.

    The exporter baked each Resize's target height and width, for a `native` input, into a
    Constant: Resize(x, sizes=Concat(Shape(x)[0:2], [h, w])). Every baked size is the input
    size times h / native, so it becomes Shape(input)[2:4] * [h, w] / native.
    """
    constants = {
        n.output[0]: numpy_helper.to_array(n.attribute[0].t)
        for n in graph.node
        if n.op_type == "Constant"
        and n.attribute
        and n.attribute[0].type == onnx.AttributeProto.TENSOR
    }
    source = graph.input[0].name
    prefix = [
        _constant("dyn/two", 2),
        _constant("dyn/four", 4),
        _constant("dyn/native", native),
        helper.make_node("Shape", [source], ["dyn/shape"]),
        helper.make_node("Slice", ["dyn/shape", "dyn/two", "dyn/four"], ["dyn/hw"]),
    ]
    sizes = {n.input[3] for n in graph.node if n.op_type == "Resize" and len(n.input) == 4}
    nodes: list[onnx.NodeProto] = []
    for node in graph.node:
        baked = node.input[1] if node.op_type == "Concat" and node.output[0] in sizes else None
        if baked is not None and baked in constants and constants[baked].shape == (2,):
            scaled = f"dyn/{baked}"
            nodes += [
                helper.make_node("Mul", ["dyn/hw", baked], [f"{scaled}/mul"]),
                helper.make_node("Div", [f"{scaled}/mul", "dyn/native"], [scaled]),
            ]
            node.input[1] = scaled
        nodes.append(node)
    del graph.node[:]
    graph.node.extend(prefix + nodes)
    for info in (graph.input[0], graph.output[0]):
        for axis, name in ((2, "height"), (3, "width")):
            dim = info.type.tensor_type.shape.dim[axis]
            dim.ClearField("dim_value")
            dim.dim_param = name
    del graph.value_info[:]


def to_float32(src: Path, dest: Path, *, native: int | None = None) -> None:
    """fp16 -> fp32; with `native`, also prune the side outputs and free the input size."""
    model = onnx.load(str(src))
    graph = model.graph
    initializers = [_tensor_to_fp32(t) for t in graph.initializer]
    del graph.initializer[:]
    graph.initializer.extend(initializers)
    _widen_types(graph)
    _widen_nodes(graph)
    _drop_noop_casts(model)
    if native is not None:
        _prune_to_first_output(graph)
        _dynamic_resizes(graph, native)
    onnx.checker.check_model(model)
    onnx.save(model, str(dest))
