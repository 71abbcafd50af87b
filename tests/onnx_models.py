"""Tiny ONNX graphs built in the test, shaped like the exporters' quirks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def tiny_fixed_size_model(path: Path) -> None:
    """MaxPool by 2, then Resize back up to a size baked for an 8x8 input, as exporters do."""
    const = numpy_helper.from_array
    nodes = [
        helper.make_node("Cast", ["input"], ["x16"], to=TensorProto.FLOAT16),
        helper.make_node("MaxPool", ["x16"], ["pooled"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Shape", ["pooled"], ["shape"]),
        helper.make_node("Constant", [], ["zero"], value=const(np.array([0]))),
        helper.make_node("Constant", [], ["two"], value=const(np.array([2]))),
        helper.make_node("Slice", ["shape", "zero", "two"], ["nc"]),
        helper.make_node("Constant", [], ["baked"], value=const(np.array([8, 8]))),
        helper.make_node("Concat", ["nc", "baked"], ["sizes"], axis=0),
        helper.make_node("Resize", ["pooled", "", "", "sizes"], ["up16"], mode="nearest"),
        helper.make_node("Cast", ["up16"], ["output"], to=TensorProto.FLOAT),
        helper.make_node("Cast", ["pooled"], ["side"], to=TensorProto.FLOAT),
    ]
    graph = helper.make_graph(
        nodes,
        "fixed",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 1, 8, 8])],
        [
            helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1, 8, 8]),
            helper.make_tensor_value_info("side", TensorProto.FLOAT, [1, 1, 4, 4]),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 15)])
    model.ir_version = 8
    onnx.save(model, str(path))
