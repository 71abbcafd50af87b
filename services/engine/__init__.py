"""The embedded background-removal engine (ONNX Runtime); imports nothing else of the project
(tests/test_layout.py checks it)."""

from .decoder import Limits
from .engine import Engine
from .errors import (
    BadOptionError,
    CorruptImageError,
    EmptyImageError,
    EngineError,
    ImageError,
    ImageTooLargeError,
    ModelError,
    ModelUnavailableError,
    NotAnImageError,
    UnknownModelError,
    UnsupportedImageError,
)
from .pipeline import Cutout, Options

__all__ = [
    "BadOptionError",
    "CorruptImageError",
    "Cutout",
    "EmptyImageError",
    "Engine",
    "EngineError",
    "ImageError",
    "ImageTooLargeError",
    "Limits",
    "ModelError",
    "ModelUnavailableError",
    "NotAnImageError",
    "Options",
    "UnknownModelError",
    "UnsupportedImageError",
]
