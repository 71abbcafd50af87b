"""What every backend returns, and the interface the bot relies on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from .wire import ImageFormat, Model, OutputOptions


@dataclass(frozen=True)
class RemoveBgResult:
    """The files of one cut-out, downloaded, with the contract's figures."""

    image: bytes
    image_format: ImageFormat
    width: int
    height: int
    model: Model
    mask: bytes | None = None
    white: bytes | None = None
    processing_time: float = 0.0
    request_id: str | None = None


class Backend(Protocol):
    """The embedded engine or an HTTP server: the bot can't tell them apart."""

    async def initialize(self) -> None: ...

    async def shutdown(self) -> None: ...

    async def remove(
        self, image: bytes, *, model: Model, options: OutputOptions | None = None
    ) -> RemoveBgResult: ...
