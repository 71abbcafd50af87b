"""The Remove Background contract's JSON, as pydantic models (see docs/contract.md).

Names that start with `_` are aliases: build with the wire names or the field names, and
serialise with `dump()`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ImageFormat = Literal["png", "jpg", "webp"]
Model = Literal["precise", "fast"]
MODELS: tuple[Model, ...] = ("precise", "fast")
PROCESSING_TIME = "processing time"


class Wire(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="allow")

    def dump(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


class Status(Wire):
    code: int
    text: str = ""
    error_description: str | None = None
    request_id: str | None = None
    proc_id: str | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.code < 300


class OutputOptions(Wire):
    """What to return besides the cut-out, and how to encode it."""

    binary_mask: bool = False
    white_background: bool = False
    image_format: ImageFormat | None = None
    image_quality: int = Field(85, ge=1, le=100)


class Record(Wire):
    """One input image; its own `binary_mask`/`white_background` win over the call's."""

    url: str | None = Field(None, alias="_url")
    base64: str | None = Field(None, alias="_base64", repr=False)
    id: str | None = Field(None, alias="_id")
    binary_mask: bool | None = None
    white_background: bool | None = None


class RemoveBgRequest(OutputOptions):
    records: list[Record] = Field(min_length=1)

    def options_for(self, record: Record) -> OutputOptions:
        return OutputOptions(
            binary_mask=_first(record.binary_mask, self.binary_mask),
            white_background=_first(record.white_background, self.white_background),
            image_format=self.image_format,
            image_quality=self.image_quality,
        )


class RecordAnswer(Record):
    width: int | None = Field(None, alias="_width")
    height: int | None = Field(None, alias="_height")
    status: Status | None = Field(None, alias="_status")
    output_url: str | None = Field(None, alias="_output_url")
    output_url_mask: str | None = Field(None, alias="_output_url_mask")
    output_url_whitebg: str | None = Field(None, alias="_output_url_whitebg")


class RemoveBgAnswer(Wire):
    records: list[RecordAnswer] = Field(default_factory=list)
    status: Status
    statistics: dict[str, Any] = Field(default_factory=dict)

    @property
    def processing_time(self) -> float | None:
        value = self.statistics.get(PROCESSING_TIME)
        return float(value) if isinstance(value, int | float) else None


def _first(value: bool | None, default: bool) -> bool:
    return default if value is None else value
