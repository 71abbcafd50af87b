"""ENGINE_PROVIDERS: ONNX Runtime's providers in the operator's order, the CPU as the fallback."""

from __future__ import annotations

import logging
from pathlib import Path

import onnxruntime as ort
import pytest
from pydantic import ValidationError

from services.config import Settings
from services.engine.registry import MODELS
from services.engine.sessions import Sessions, chosen_providers
from services.engine.weights import WeightsDir

CPU, CUDA = "CPUExecutionProvider", "CUDAExecutionProvider"


def test_an_installed_gpu_comes_first_and_the_cpu_last() -> None:
    assert chosen_providers(["cuda", "cpu"], [CUDA, CPU]) == [CUDA, CPU]
    assert chosen_providers(["cuda"], [CUDA, CPU]) == [CUDA, CPU]


def test_a_missing_gpu_falls_back_to_the_cpu_with_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    assert chosen_providers(["cuda", "cpu"], [CPU]) == [CPU]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert CUDA in warnings[0].getMessage()


def test_the_cpu_alone_warns_of_nothing(caplog: pytest.LogCaptureFixture) -> None:
    assert chosen_providers(["cpu"], [CPU]) == [CPU]
    assert not caplog.records


def test_an_unknown_provider_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="quantum"):
        chosen_providers(["quantum"], [CPU])


def test_settings_read_providers_as_a_comma_separated_list() -> None:
    chosen = Settings(_env_file=None, engine_providers="cuda, cpu").engine.engine_providers
    assert chosen == ["cuda", "cpu"]
    assert Settings(_env_file=None).engine.engine_providers == ["cpu"]
    with pytest.raises(ValidationError):
        Settings(_env_file=None, engine_providers=5)


def test_a_session_asked_for_cuda_here_runs_on_the_cpu(models_dir: Path) -> None:
    # This machine's ONNX Runtime has no CUDA provider: the real fallback path.
    assert CUDA not in ort.get_available_providers()
    session = Sessions(WeightsDir(models_dir), threads=1, providers=["cuda", "cpu"])
    assert session.get(MODELS["fast"]).get_providers() == [CPU]
