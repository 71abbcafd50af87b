import io

import pillow_heif
import pytest
from PIL import Image

from bot.filetypes import is_image
from tests.images import disc, encode


def _heic() -> bytes:
    pillow_heif.register_heif_opener()
    buffer = io.BytesIO()
    disc().convert("RGB").save(buffer, "HEIF")
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF"])
def test_every_format_the_engine_reads_is_an_image(fmt: str) -> None:
    image = disc() if fmt in ("PNG", "WEBP", "TIFF") else disc().convert("RGB")
    data = encode(image, fmt)
    assert Image.open(io.BytesIO(data)).format == fmt
    assert is_image(data[:16])


def test_a_phone_heic_is_an_image() -> None:
    assert is_image(_heic()[:16])


def test_big_endian_tiff_is_an_image() -> None:
    assert is_image(b"MM\x00*\x00\x00\x00\x08" + bytes(8))


@pytest.mark.parametrize(
    "head",
    [
        b"shopping list: eggs, milk\n",
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n",
        b"PK\x03\x04\x14\x00\x06\x00",  # a zip (docx, xlsx)
        b"RIFF\x24\x08\x00\x00WAVEfmt ",  # RIFF, but sound
        b"\x00\x00\x00\x18ftypmp42\x00\x00",  # an MP4 video
        b"\x00\x00\x00\x1cftypavif\x00\x00",  # AVIF: the engine does not read it
        b"<svg xmlns='http://",
    ],
)
def test_other_files_are_not(head: bytes) -> None:
    assert not is_image(head)


def test_an_empty_file_is_left_to_the_engine_to_explain() -> None:
    assert is_image(b"")
