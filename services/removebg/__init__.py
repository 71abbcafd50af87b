"""The Remove Background contract: wire models, errors, the result type and the HTTP client."""

from .client import DEFAULT_MAX_DOWNLOAD_BYTES, RemoveBgClient
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
from .result import Backend, RemoveBgResult
from .wire import (
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
    "DEFAULT_MAX_DOWNLOAD_BYTES",
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
    "RemoveBgClient",
    "RemoveBgError",
    "RemoveBgRequest",
    "RemoveBgResult",
    "RequestRejectedError",
    "ServiceTimeoutError",
    "ServiceUnavailableError",
    "Status",
]
