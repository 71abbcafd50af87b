"""The registry, the models directory, sessions and the fp16 -> fp32 conversion."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from services.cli.weights import main as models_main
from services.engine.convert import to_float32
from services.engine.errors import ModelUnavailableError, UnknownModelError
from services.engine.registry import (
    FAST,
    MODELS,
    ModelSpec,
    configured,
    get_model,
    with_companions,
)
from services.engine.sessions import Sessions
from services.engine.sources import LocalFileSource, UrlSource
from services.engine.weights import WeightsDir
from tests.onnx_models import tiny_fixed_size_model


def test_registry_knows_both_models() -> None:
    assert get_model("fast").input_size == 320
    assert get_model("precise").filename == "isnet-general-use.onnx"
    with pytest.raises(UnknownModelError, match="'huge'.*fast, precise"):
        get_model("huge")


def test_operator_source_is_tried_first() -> None:
    specs = {s.name: s for s in configured({"precise": "https://x.org/m.onnx#sha256=" + "b" * 64})}
    assert specs["precise"].sources[0] == UrlSource("https://x.org/m.onnx", "b" * 64)
    assert len(specs["precise"].sources) == len(MODELS["precise"].sources) + 1
    assert specs["fast"] == FAST


def local_fast(tmp_path: Path, models_dir: Path) -> tuple[WeightsDir, ModelSpec]:
    copy = tmp_path / "src.onnx"
    copy.write_bytes((models_dir / FAST.filename).read_bytes())
    spec = FAST.with_sources(LocalFileSource(copy))
    return WeightsDir(tmp_path / "models"), spec


def test_weights_fetch_once_record_and_verify(tmp_path: Path, models_dir: Path) -> None:
    weights, spec = local_fast(tmp_path, models_dir)
    record = weights.fetch(spec)
    path = weights.path(spec)
    assert record.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert record.source.startswith("file:")
    stamp = path.stat().st_mtime_ns
    weights.fetch(spec)
    assert path.stat().st_mtime_ns == stamp  # a second run does no work
    weights.verify(spec)
    with open(path, "r+b") as f:
        f.write(b"garbage")
    with pytest.raises(ModelUnavailableError, match="checksum"):
        weights.verify(spec)


def test_missing_weights_are_unavailable(tmp_path: Path) -> None:
    weights = WeightsDir(tmp_path)
    with pytest.raises(ModelUnavailableError, match="not fetched"):
        weights.verify(FAST)
    with pytest.raises(ModelUnavailableError):
        Sessions(weights, threads=1).get(FAST)


def test_session_is_loaded_once_and_logs_its_provider(
    models_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sessions = Sessions(WeightsDir(models_dir), threads=1)
    with caplog.at_level(logging.INFO):
        first = sessions.get(FAST)
        assert sessions.get(FAST) is first
    assert "CPUExecutionProvider" in caplog.text
    assert caplog.text.count("loaded fast") == 1


def test_models_command_lists_and_verifies(
    models_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert models_main(["list"]) == 0
    assert "u2netp.onnx" in capsys.readouterr().out
    assert models_main(["verify", "fast"]) == 0


def test_models_command_reports_missing_weights(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MODELS_DIR", str(tmp_path))
    assert models_main(["verify", "precise"]) == 1
    assert "not fetched" in capsys.readouterr().err


def tiny_fp16_model(path: Path) -> None:
    """input(fp32) -> Cast(fp16) -> Conv(fp16 weights) -> Cast(fp32) -> output."""
    weight = np.random.default_rng(0).normal(size=(2, 3, 3, 3)).astype(np.float16)
    nodes = [
        helper.make_node("Cast", ["input"], ["x16"], to=TensorProto.FLOAT16),
        helper.make_node("Conv", ["x16", "w"], ["y16"], pads=[1, 1, 1, 1]),
        helper.make_node("Cast", ["y16"], ["output"], to=TensorProto.FLOAT),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 2, 8, 8])],
        [numpy_helper.from_array(weight, "w")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 15)])
    model.ir_version = 8
    onnx.save(model, str(path))


def test_fp16_model_becomes_fp32_with_the_same_output(tmp_path: Path) -> None:
    tiny_fp16_model(tmp_path / "fp16.onnx")
    to_float32(tmp_path / "fp16.onnx", tmp_path / "fp32.onnx")
    converted = onnx.load(str(tmp_path / "fp32.onnx"))
    assert {t.data_type for t in converted.graph.initializer} == {TensorProto.FLOAT}
    assert [n.op_type for n in converted.graph.node] == ["Conv", "Cast"]
    x = np.random.default_rng(1).random((1, 3, 8, 8), dtype=np.float32)
    before = ort.InferenceSession(str(tmp_path / "fp16.onnx")).run(None, {"input": x})[0]
    after = ort.InferenceSession(str(tmp_path / "fp32.onnx")).run(None, {"input": x})[0]
    assert after.dtype == np.float32
    np.testing.assert_allclose(after, before, atol=2e-2)


def test_baked_resize_sizes_follow_the_input(tmp_path: Path) -> None:
    tiny_fixed_size_model(tmp_path / "fixed.onnx")
    to_float32(tmp_path / "fixed.onnx", tmp_path / "dynamic.onnx", native=8)
    session = ort.InferenceSession(str(tmp_path / "dynamic.onnx"))
    assert [o.name for o in session.get_outputs()] == ["output"]  # side outputs pruned
    for side in (8, 16, 32):
        x = np.arange(side * side, dtype=np.float32).reshape(1, 1, side, side)
        (y,) = session.run(None, {"input": x})
        assert y.shape == (1, 1, side, side)
        assert y[0, 0, -1, -1] == x.max()


def test_stale_recipe_is_fetched_again(tmp_path: Path, models_dir: Path) -> None:
    weights, spec = local_fast(tmp_path, models_dir)
    weights.fetch(spec)
    newer = dataclasses.replace(spec, revision="2")
    assert not weights.is_present(newer)
    assert weights.fetch(newer).revision == "2"
    assert weights.is_present(newer)


def test_the_weights_to_fetch_include_each_companion_once() -> None:
    second = dataclasses.replace(FAST, name="second", companion=FAST)
    first = dataclasses.replace(FAST, name="first", companion=second)
    names = [spec.name for spec in with_companions([first, second, FAST])]
    assert names == ["first", "second", "fast"]


def test_precise_runs_isnet_at_the_photos_size_from_768_up_to_1024() -> None:
    precise = get_model("precise")
    sides = [precise.for_photo(w, h).input_size for w, h in [(481, 321), (800, 550), (4000, 3000)]]
    assert sides == [768, 800, 1024]
    assert precise.for_photo(830, 550).input_size == 832  # in steps of 32
    assert FAST.for_photo(4000, 3000) == FAST  # fast keeps its one size


def test_only_the_small_model_keeps_its_activations_between_runs(models_dir: Path) -> None:
    sessions = Sessions(WeightsDir(models_dir), threads=1)
    kept = {
        name: sessions.get(MODELS[name]).get_session_options().enable_cpu_mem_arena
        for name in ("fast", "precise")
    }
    assert kept == {"fast": True, "precise": False}
