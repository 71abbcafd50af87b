"""The Remove Background contract as the bot and the server both speak it: its JSON, and what
a backend returns and raises. The embedded engine as a backend is in `.local`, which imports
ONNX Runtime, so it is not imported here."""

from .backend import Backend, RemoveBgResult
from .errors import (
    AuthError,
    ImageRejectedError,
    MalformedAnswerError,
    RateLimitedError,
    RemoveBgError,
    RequestRejectedError,
    ServiceTimeoutError,
    ServiceUnavailableError,
)
from .wire import (
    IMAGE_FORMATS,
    MODELS,
    PROCESSING_TIME,
    ImageFormat,
    Model,
    OutputOptions,
    Record,
    RecordAnswer,
    RemoveBgAnswer,
    RemoveBgRequest,
    Status,
)

__all__ = [
    "IMAGE_FORMATS",
    "MODELS",
    "PROCESSING_TIME",
    "AuthError",
    "Backend",
    "ImageFormat",
    "ImageRejectedError",
    "MalformedAnswerError",
    "Model",
    "OutputOptions",
    "RateLimitedError",
    "Record",
    "RecordAnswer",
    "RemoveBgAnswer",
    "RemoveBgError",
    "RemoveBgRequest",
    "RemoveBgResult",
    "RequestRejectedError",
    "ServiceTimeoutError",
    "ServiceUnavailableError",
    "Status",
]
