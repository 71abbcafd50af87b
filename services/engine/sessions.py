"""One ONNX Runtime session per model, created on first use and reused."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

import onnxruntime as ort

from .allocator import huge_pages_on
from .errors import ModelUnavailableError
from .registry import ModelSpec
from .weights import WeightsDir

log = logging.getLogger(__name__)


# Names an operator gives in ENGINE_PROVIDERS, and ONNX Runtime's own.
PROVIDERS = {
    "cpu": "CPUExecutionProvider",
    "cuda": "CUDAExecutionProvider",
    "tensorrt": "TensorrtExecutionProvider",
    "rocm": "ROCMExecutionProvider",
    "coreml": "CoreMLExecutionProvider",
    "directml": "DmlExecutionProvider",
    "openvino": "OpenVINOExecutionProvider",
}


def chosen_providers(wanted: Sequence[str], available: Sequence[str]) -> list[str]:
    """ORT's providers for `wanted`, in order, of those installed; the CPU always last.

    Any that is not installed is left out with one warning, so a GPU image without a GPU
    (or `onnxruntime` instead of `onnxruntime-gpu`) still runs, on the CPU.
    """
    unknown = [name for name in wanted if name not in PROVIDERS]
    if unknown:
        raise ValueError(f"unknown ENGINE_PROVIDERS {unknown}; use {', '.join(PROVIDERS)}")
    names = [PROVIDERS[name] for name in wanted]
    missing = [name for name in names if name not in available]
    if missing:
        log.warning(
            "execution providers %s are not available (installed: %s); using the rest and the CPU",
            ", ".join(missing),
            ", ".join(available),
        )
    chosen = [name for name in names if name in available and name != PROVIDERS["cpu"]]
    return [*chosen, PROVIDERS["cpu"]]


class Sessions:
    def __init__(
        self, weights: WeightsDir, *, threads: int, providers: Sequence[str] = ("cpu",)
    ) -> None:
        self._weights = weights
        self._threads = threads
        self._providers = chosen_providers(providers, ort.get_available_providers())
        self._sessions: dict[str, ort.InferenceSession] = {}
        self._lock = threading.Lock()

    def get(self, spec: ModelSpec) -> ort.InferenceSession:
        """The session for `spec`, loading it (once, thread-safely) if needed."""
        with self._lock:
            session = self._sessions.get(spec.name)
            if session is None:
                session = self._sessions[spec.name] = self._load(spec)
            return session

    def _load(self, spec: ModelSpec) -> ort.InferenceSession:
        path = self._weights.path(spec)
        if not self._weights.is_present(spec):
            raise ModelUnavailableError(spec.name, "its weights are not fetched")
        options = session_options(self._threads, arena=spec.keep_activations)
        try:
            session = ort.InferenceSession(
                str(path), sess_options=options, providers=self._providers
            )
        except Exception as exc:  # ORT raises bare RuntimeErrors of several kinds
            raise ModelUnavailableError(spec.name, f"loading failed: {exc}") from exc
        log.info(
            "loaded %s model %s with %s, %d threads, huge pages %s",
            spec.name,
            path.name,
            ", ".join(session.get_providers()),
            self._threads,
            "on" if huge_pages_on() else "off",
        )
        return session

    def close(self) -> None:
        with self._lock:
            self._sessions.clear()


def session_options(threads: int, *, arena: bool = False) -> ort.SessionOptions:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Without the arena, activations are freed after each run: ISNet's peak drops by
    # about 500 MB and an idle bot does not hold on to it (see BENCHMARKS.md). A small
    # model keeps its arena: faulting its activations in afresh cost 15-25 % of a run.
    options.enable_cpu_mem_arena = arena
    # Idle workers sleep instead of spinning, leaving the CPU to the event loop.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options
