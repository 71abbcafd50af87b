"""The Remove Background contract's JSON, as pydantic models (see docs/contract.md).

Names that start with `_` are aliases: build with the wire names or the field names, and
serialise with `dump()`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, field_validator

ImageFormat = Literal["png", "jpg", "webp"]
Model = Literal["precise", "fast"]
MODELS: tuple[Model, ...] = ("precise", "fast")


def as_model(name: str | None) -> Model:
    """A stored model name as the contract's `Model`; anything else is a ValueError."""
    for model in MODELS:
        if name == model:
            return model
    raise ValueError(f"unknown model {name!r}; expected one of {MODELS}")


PROCESSING_TIME = "processing time"
_FORMAT_ALIASES = {"jpeg": "jpg"}


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

    binary_mask: StrictBool = False
    white_background: StrictBool = False
    image_format: ImageFormat | None = None
    image_quality: int = Field(85, ge=1, le=100)

    @field_validator("image_format", mode="before")
    @classmethod
    def _forgiving_format(cls, value: Any) -> Any:
        """'PNG', 'JPEG', 'Jpg', 'WebP'... name the same three formats."""
        if isinstance(value, str):
            value = value.strip().lower()
            return _FORMAT_ALIASES.get(value, value)
        return value


class Record(Wire):
    """One input image; its own `binary_mask`/`white_background` win over the call's."""

    url: StrictStr | None = Field(None, alias="_url")
    base64: StrictStr | None = Field(None, alias="_base64", repr=False)
    id: StrictStr | None = Field(None, alias="_id")
    binary_mask: StrictBool | None = None
    white_background: StrictBool | None = None


class RemoveBgRequest(OutputOptions):
    records: list[Record] = Field(min_length=1)


def record_options(call: OutputOptions, record: Record) -> OutputOptions:
    """The call's options, with the record's own choices winning."""
    return OutputOptions(
        binary_mask=_first(record.binary_mask, call.binary_mask),
        white_background=_first(record.white_background, call.white_background),
        image_format=call.image_format,
        image_quality=call.image_quality,
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
