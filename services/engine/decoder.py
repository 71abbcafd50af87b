"""Bytes in, pixels out: detect the real format, enforce limits, fix orientation and mode."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

import numpy as np
import pillow_heif
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from .errors import (
    CorruptImageError,
    EmptyImageError,
    ImageTooLargeError,
    NotAnImageError,
    UnsupportedImageError,
)
from .stripes import stripes

log = logging.getLogger(__name__)
pillow_heif.register_heif_opener()

ACCEPTED = {"JPEG", "MPO", "PNG", "WEBP", "GIF", "BMP", "DIB", "TIFF", "HEIF"}
BROKEN = (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError)
SRGB = ImageCms.createProfile("sRGB")
ORIENTATION = 0x0112
# Pillow holds an image in blocks of 16 MB by default. glibc keeps blocks that size in its heap
# after the image is freed (about 180 MB after a 50 MP PNG); blocks over 32 MB are mapped on
# their own and given back. Small images still take only the memory they need.
PILLOW_BLOCK = 64 << 20
Image.core.set_block_size(max(PILLOW_BLOCK, Image.core.get_block_size()))


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 50 * 1024 * 1024
    max_pixels: int = 50_000_000


@dataclass(frozen=True)
class Decoded:
    rgb: np.ndarray  # (h, w, 3) uint8
    alpha: np.ndarray | None  # (h, w) uint8, None when fully opaque
    format: str

    @property
    def size(self) -> tuple[int, int]:
        return self.rgb.shape[1], self.rgb.shape[0]


def decode(data: bytes, limits: Limits) -> Decoded:
    if not data:
        raise EmptyImageError()
    if len(data) > limits.max_bytes:
        raise ImageTooLargeError(f"{_mb(len(data))}, the limit is {_mb(limits.max_bytes)}")
    image = _open(data)
    width, height = image.size
    if width * height > limits.max_pixels:
        raise ImageTooLargeError(
            f"{width}×{height} pixels, the limit is {limits.max_pixels / 1e6:g} megapixels"
        )
    try:
        image.load()
    except BROKEN as exc:
        raise CorruptImageError() from exc
    rgb, alpha = _to_rgb(_upright(image))
    return Decoded(rgb=rgb, alpha=alpha, format=str(image.format))


def _open(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise ImageTooLargeError("it decompresses to far too many pixels") from exc
    except UnidentifiedImageError as exc:
        raise NotAnImageError() from exc
    except BROKEN as exc:
        raise CorruptImageError() from exc
    if image.format not in ACCEPTED:
        raise UnsupportedImageError(str(image.format))
    return image


def _upright(image: Image.Image) -> Image.Image:
    """Apply the EXIF orientation; a broken EXIF block leaves the image as stored."""
    try:
        if image.getexif().get(ORIENTATION, 1) == 1:
            return image  # exif_transpose would copy it for nothing
        return ImageOps.exif_transpose(image) or image
    except BROKEN as exc:
        log.warning("ignoring unreadable EXIF orientation: %s", exc)
        return image


def _to_rgb(image: Image.Image) -> tuple[np.ndarray, np.ndarray | None]:
    mode = image.mode
    if mode.startswith("I") or mode == "F":
        image = _deepen_to_l(image)
    elif mode == "CMYK":
        image = _cmyk_to_rgb(image)
    elif mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    try:
        if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
            rgb, alpha = _copied(image, with_alpha=True)
            return rgb, None if alpha is None or alpha.min() == 255 else alpha
        return _copied(image, with_alpha=False)
    except ValueError as exc:
        raise UnsupportedImageError(f"{mode}-mode") from exc


def _copied(image: Image.Image, *, with_alpha: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """The pixels as RGB (and alpha) arrays, converted and copied a stripe at a time.

    np.asarray(image) would hold two more whole copies at once: Pillow's bytes in parts,
    then joined (300 MB at 50 MP).
    """
    width, height = image.size
    mode = "RGBA" if with_alpha else "RGB"
    rgb = np.empty((height, width, 3), np.uint8)
    alpha = np.empty((height, width), np.uint8) if with_alpha else None
    for rows in stripes(height, width):
        part = image.crop((0, rows.start, width, rows.stop))
        pixels = np.asarray(part if part.mode == mode else part.convert(mode))
        rgb[rows] = pixels[..., :3]
        if alpha is not None:
            alpha[rows] = pixels[..., 3]
    return rgb, alpha


def _deepen_to_l(image: Image.Image) -> Image.Image:
    """16-bit, 32-bit and float greyscale to 8-bit."""
    array = np.asarray(image, dtype=np.float64)
    top = 1.0 if image.mode == "F" and array.max() <= 1.0 else 255.0
    if image.mode != "F" and array.max() > 255:
        top = 65535.0
    scaled = np.clip(array * (255.0 / top), 0, 255) + 0.5
    return Image.fromarray(scaled.astype(np.uint8), "L")


def _cmyk_to_rgb(image: Image.Image) -> Image.Image:
    profile = image.info.get("icc_profile")
    if profile:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            converted = ImageCms.profileToProfile(image, source, SRGB, outputMode="RGB")
            if converted is not None:
                return converted
        except (ImageCms.PyCMSError, OSError) as exc:
            log.warning("CMYK profile unusable, converting naively: %s", exc)
    return image.convert("RGB")


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"
