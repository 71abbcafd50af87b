"""The Remove Background contract's JSON, as pydantic models (see docs/contract.md).

Names that start with `_` are aliases: build with the wire names or the field names, and
serialise with `dump()`.

The contract's model names and image formats are defined here, once; everything else takes
them from here, but for the engine core and storage, which may import nothing of services
(STYLE.md): they restate them, and tests/test_wire.py keeps the copies equal.
"""

from __future__ import annotations

import re
from typing import Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    field_validator,
    model_validator,
)

Model = Literal["fast", "precise"]
MODELS: tuple[Model, ...] = get_args(Model)
ImageFormat = Literal["png", "jpg", "webp"]
IMAGE_FORMATS: tuple[ImageFormat, ...] = get_args(ImageFormat)
CropShape = Literal["subject", "square", "4:5", "9:16"]  # our extension
CROP_SHAPES: tuple[CropShape, ...] = get_args(CropShape)


def as_model(name: str | None) -> Model:
    """A stored model name as the contract's `Model`; anything else is a ValueError."""
    for model in MODELS:
        if name == model:
            return model
    raise ValueError(f"unknown model {name!r}; expected one of {MODELS}")


PROCESSING_TIME = "processing time"
_FORMAT_ALIASES = {"jpeg": "jpg"}
_HEX_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")


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


class LookOptions(Wire):
    """Our extensions (docs/contract.md): a background and a crop. Left out, an answer is
    exactly the contract's; a record's own background or crop wins over the call's."""

    background_color: StrictStr | None = None
    background_blur: StrictBool | None = None
    crop: CropShape | None = None
    crop_margin: float | None = Field(None, ge=0, le=100, allow_inf_nan=False)

    @field_validator("background_color")
    @classmethod
    def _hex_colour(cls, value: str | None) -> str | None:
        if value is not None and not _HEX_COLOUR.fullmatch(value):
            raise ValueError(f"{value!r} is not a colour; use #RRGGBB, such as #FF0000")
        return value

    @model_validator(mode="after")
    def _one_background(self) -> LookOptions:
        if self.background_color is not None and self.background_blur:
            raise ValueError("choose background_color or background_blur, not both")
        return self


class OutputOptions(LookOptions):
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


class Record(LookOptions):
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
    own_background = record.background_color is not None or record.background_blur is not None
    background = record if own_background else call
    return OutputOptions(
        binary_mask=_first(record.binary_mask, call.binary_mask),
        white_background=_first(record.white_background, call.white_background),
        image_format=call.image_format,
        image_quality=call.image_quality,
        background_color=background.background_color,
        background_blur=background.background_blur,
        crop=record.crop or call.crop,
        crop_margin=record.crop_margin if record.crop_margin is not None else call.crop_margin,
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
