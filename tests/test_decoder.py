from __future__ import annotations

import io
import struct
import zlib

import cv2
import numpy as np
import pillow_heif
import pytest
from PIL import Image

from services.engine import (
    CorruptImageError,
    EmptyImageError,
    ImageTooLargeError,
    Limits,
    NotAnImageError,
    UnsupportedImageError,
)
from services.engine.decoder import decode
from tests.images import disc, encode, png_header_only

LIMITS = Limits(max_bytes=2 << 20, max_pixels=1_000_000)


@pytest.mark.parametrize(
    ("fmt", "params"),
    [
        ("JPEG", {}),
        ("PNG", {}),
        ("WEBP", {"quality": 90}),
        ("GIF", {}),
        ("BMP", {}),
        ("TIFF", {}),
    ],
)
def test_decodes_each_accepted_format(fmt: str, params: dict[str, object]) -> None:
    decoded = decode(encode(disc(), fmt, **params), LIMITS)
    assert decoded.size == (160, 120)
    assert decoded.rgb.shape == (120, 160, 3)
    assert decoded.rgb.dtype == np.uint8


def test_decodes_heic() -> None:
    buffer = io.BytesIO()
    pillow_heif.from_pillow(disc()).save(buffer, format="HEIF", quality=90)
    decoded = decode(buffer.getvalue(), LIMITS)
    assert decoded.format == "HEIF"
    assert decoded.size == (160, 120)


def test_detects_format_from_content_not_name() -> None:
    # A PNG's bytes are a PNG whatever the file was called; the decoder never sees a name.
    assert decode(encode(disc(), "PNG"), LIMITS).format == "PNG"


def test_empty_file_is_refused() -> None:
    with pytest.raises(EmptyImageError):
        decode(b"", LIMITS)


def test_text_renamed_jpg_is_not_an_image() -> None:
    with pytest.raises(NotAnImageError):
        decode(b"hello, this is a text file, not a photo\n" * 10, LIMITS)


def test_truncated_jpeg_is_corrupt() -> None:
    data = encode(disc((400, 300)), "JPEG", quality=95)
    with pytest.raises(CorruptImageError):
        decode(data[: len(data) // 2], LIMITS)


def test_corrupt_png_is_corrupt() -> None:
    data = bytearray(encode(disc(), "PNG"))
    data[60:120] = b"\xff" * 60
    with pytest.raises(CorruptImageError):
        decode(bytes(data), LIMITS)


@pytest.mark.parametrize(("side", "message"), [(30000, "too many pixels"), (10000, "10000×10000")])
def test_decompression_bomb_is_refused_before_decoding(side: int, message: str) -> None:
    bomb = png_header_only(side, side)
    assert len(bomb) < 2 << 20
    with pytest.raises(ImageTooLargeError, match=message):
        decode(bomb, Limits(max_bytes=8 << 20, max_pixels=50_000_000))


def test_too_many_bytes_is_refused() -> None:
    with pytest.raises(ImageTooLargeError, match="MB"):
        decode(b"\xff\xd8" + b"\0" * (3 << 20), LIMITS)


def test_unsupported_format_is_named() -> None:
    with pytest.raises(UnsupportedImageError, match="ICO"):
        decode(encode(disc((64, 64)), "ICO"), LIMITS)


def test_exif_orientation_is_applied() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    decoded = decode(encode(disc((160, 120)), "JPEG", exif=exif), LIMITS)
    assert decoded.size == (120, 160)


@pytest.mark.parametrize("mode", ["1", "L", "RGB", "CMYK"])
def test_opaque_modes_become_rgb(mode: str) -> None:
    fmt = "JPEG" if mode == "CMYK" else "PNG"
    decoded = decode(encode(disc(mode=mode), fmt), LIMITS)
    assert decoded.rgb.shape == (120, 160, 3)
    assert decoded.alpha is None


def test_cmyk_jpeg_keeps_its_colours() -> None:
    decoded = decode(encode(disc(mode="CMYK"), "JPEG", quality=95), LIMITS)
    red = decoded.rgb[60, 80].astype(int)
    assert red[0] > 150 > red[1]


@pytest.mark.parametrize("mode", ["LA", "RGBA"])
def test_alpha_modes_keep_their_alpha(mode: str) -> None:
    image = disc().convert("RGBA")
    image.putalpha(Image.new("L", image.size, 128))
    image = image.convert(mode)
    decoded = decode(encode(image, "PNG"), LIMITS)
    assert decoded.alpha is not None
    assert int(decoded.alpha[0, 0]) == 128


def test_palette_with_transparency_keeps_it() -> None:
    image = disc().convert("P")
    image.info["transparency"] = int(image.getpixel((0, 0)))  # type: ignore[arg-type]
    decoded = decode(encode(image, "PNG", transparency=image.info["transparency"]), LIMITS)
    assert decoded.alpha is not None
    assert decoded.alpha[0, 0] == 0
    assert decoded.alpha[60, 80] == 255


def test_sixteen_bit_png_is_scaled_to_eight_bits() -> None:
    ramp = (np.linspace(0, 65535, 160 * 120).reshape(120, 160)).astype(np.uint16)
    decoded = decode(encode(Image.fromarray(ramp), "PNG"), LIMITS)
    assert decoded.rgb[0, 0, 0] == 0
    assert decoded.rgb[-1, -1, 0] == 255


def test_sixteen_bit_tiff_is_scaled_to_eight_bits() -> None:
    ramp = (np.linspace(0, 65535, 160 * 120).reshape(120, 160)).astype(np.uint16)
    decoded = decode(encode(Image.fromarray(ramp), "TIFF"), LIMITS)
    assert decoded.rgb[-1, -1, 0] == 255


def test_animated_gif_uses_the_first_frame() -> None:
    frames = [disc(), Image.new("RGB", (160, 120), (0, 0, 255))]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    decoded = decode(data, LIMITS)
    red = decoded.rgb[60, 80].astype(int)
    assert red[0] > 150 > red[2]


@pytest.mark.parametrize("ext", [".png", ".tiff"])
def test_sixteen_bit_colour_is_read(ext: str) -> None:
    pixels = np.zeros((60, 80, 3), np.uint16)
    pixels[..., 2] = 65535  # OpenCV writes BGR: this is pure red
    ok, buffer = cv2.imencode(ext, pixels)
    assert ok
    decoded = decode(buffer.tobytes(), LIMITS)
    assert decoded.rgb[0, 0].tolist() == [255, 0, 0]


def png_with_broken_pixels(width: int, height: int) -> bytes:
    """A PNG with a valid header and pixel data that fails to decode."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunks = [(b"IHDR", header), (b"IDAT", b"\x78\x01" + b"\xff" * 64), (b"IEND", b"")]
    return b"\x89PNG\r\n\x1a\n" + b"".join(
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        for kind, data in chunks
    )


def test_an_image_one_row_over_the_pixel_limit_is_refused_before_its_pixels_are_decoded() -> None:
    limits = Limits(max_bytes=8 << 20, max_pixels=1_000_000)
    with pytest.raises(ImageTooLargeError, match="1000×1001 pixels, the limit is 1 megapixels"):
        decode(png_with_broken_pixels(1000, 1001), limits)
    with pytest.raises(CorruptImageError):  # at the limit, its pixels are decoded and fail
        decode(png_with_broken_pixels(1000, 1000), limits)


def test_the_default_pixel_limit_lets_a_48_megapixel_photo_through() -> None:
    with pytest.raises(CorruptImageError):  # decoded, so not refused for its size
        decode(png_with_broken_pixels(8000, 6000), Limits())
    with pytest.raises(ImageTooLargeError):
        decode(png_with_broken_pixels(8200, 6200), Limits())


@pytest.mark.parametrize(
    ("mode", "transparent"),
    [("RGB", False), ("L", False), ("1", False), ("P", False), ("I;16", False)]
    + [("RGBA", True), ("LA", True), ("P", True)],
)
def test_pixels_copied_stripe_by_stripe_match_pillows_whole_conversion(
    mode: str, transparent: bool
) -> None:
    rng = np.random.default_rng(7)
    rgba = rng.integers(0, 256, (1100, 1003, 4), np.uint8)  # 1.1 MP: more than one stripe
    rgba[..., 3] = np.where(rgba[..., 3] > 128, 255, rgba[..., 3])
    source = Image.fromarray(rgba) if transparent else Image.fromarray(rgba[..., :3].copy())
    image = source.convert("L" if mode == "I;16" else mode)
    data = encode(image.convert(mode) if mode == "I;16" else image, "PNG")
    decoded = decode(data, Limits(max_bytes=16 << 20, max_pixels=2_000_000))
    if transparent:
        expected = np.asarray(image.convert("RGBA"))
        assert decoded.alpha is not None
        assert np.array_equal(decoded.alpha, expected[..., 3])
    else:
        expected = np.asarray(image.convert("RGB"))
        assert decoded.alpha is None
    assert np.array_equal(decoded.rgb, expected[..., :3])
    assert decoded.rgb.flags.writeable  # the pipeline corrects edge colours in place
