from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from services.engine import png


@pytest.mark.parametrize(
    ("shape", "mode"),
    [((37, 53), "L"), ((37, 53, 2), "LA"), ((37, 53, 3), "RGB"), ((1, 5, 4), "RGBA")],
)
def test_png_round_trips_through_pillow(shape: tuple[int, ...], mode: str) -> None:
    pixels = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    image = Image.open(io.BytesIO(png.encode(pixels)))
    image.load()
    assert (image.format, image.mode) == ("PNG", mode)
    assert np.array_equal(np.asarray(image), pixels)


def test_png_refuses_wide_samples() -> None:
    with pytest.raises(TypeError):
        png.encode(np.zeros((2, 2), np.uint16))
