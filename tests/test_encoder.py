from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from services.engine import encoder, png
from services.engine.workers import Workers


@pytest.mark.parametrize("threads", [1, 2])
def test_png_cutout_keeps_colour_and_alpha_and_blacks_out_hidden_pixels(threads: int) -> None:
    rng = np.random.default_rng(5)
    foreground = rng.integers(0, 256, (900, 700, 3), np.uint8)
    alpha = rng.integers(0, 256, (900, 700), np.uint8)
    alpha[:300] = 0
    workers = Workers(threads)
    try:
        data = encoder.cutout(foreground, alpha, fmt="png", quality=85, workers=workers)
    finally:
        workers.close()
    rgba = np.asarray(Image.open(io.BytesIO(data)).convert("RGBA"))
    assert np.array_equal(rgba[..., 3], alpha)
    visible = alpha > 0
    assert np.array_equal(rgba[..., :3][visible], foreground[visible])
    assert not rgba[..., :3][~visible].any()


def test_on_white_blends_by_alpha() -> None:
    foreground = np.array([[[0, 0, 0], [200, 100, 0], [10, 20, 30]]], np.uint8)
    alpha = np.array([[0, 128, 255]], np.uint8)
    flat = encoder.on_white(foreground, alpha).astype(int)
    assert flat[0, 0].tolist() == [255, 255, 255]
    assert flat[0, 2].tolist() == [10, 20, 30]
    np.testing.assert_allclose(flat[0, 1], [227, 177, 127], atol=1)


def whole_image_rgba(foreground: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """The RGBA cut-out made in one go over the whole image, as the encoder once made it."""
    _, visible = cv2.threshold(alpha, 0, 255, cv2.THRESH_BINARY)
    rgba = cv2.cvtColor(cv2.bitwise_and(foreground, foreground, mask=visible), cv2.COLOR_RGB2RGBA)
    cv2.mixChannels([alpha], [rgba], [0, 3])
    return rgba


@pytest.mark.parametrize("threads", [1, 2])
def test_outputs_made_in_stripes_are_the_bytes_made_in_one_go(threads: int) -> None:
    rng = np.random.default_rng(11)
    foreground = rng.integers(0, 256, (1301, 1237, 3), np.uint8)  # 1.6 MP: several stripes
    alpha = rng.integers(0, 256, (1301, 1237), np.uint8)
    alpha[:200] = 0
    alpha[-200:] = 255
    workers = Workers(threads)
    try:
        cutout = encoder.cutout(foreground, alpha, fmt="png", quality=85, workers=workers)
        webp = encoder.cutout(foreground, alpha, fmt="webp", quality=100, workers=workers)
        white = encoder.white_jpeg(foreground, alpha, quality=85, workers=workers)
        rgba = whole_image_rgba(foreground, alpha)
        assert cutout == png.encode(rgba, workers=workers)
    finally:
        workers.close()
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(webp))), rgba)
    assert white == encoder.jpeg(encoder.on_white(foreground, alpha), quality=85)
