from __future__ import annotations

import numpy as np
import pytest

from services.engine import matting
from services.engine.encoder import on_white
from services.engine.matting import estimate_foreground, fuse, normalise, upsample
from services.engine.pipeline import preprocess, square
from services.engine.registry import MODELS, Shrink
from services.engine.workers import Workers


def soft_edge_scene() -> tuple[np.ndarray, np.ndarray]:
    """Red foreground over a green background, blended through a soft 20-pixel edge."""
    alpha = np.clip((np.arange(200, dtype=np.float32) - 90) / 20, 0, 1)
    alpha = np.tile(alpha, (100, 1))
    red, green = np.array([230, 20, 20], np.float32), np.array([20, 200, 20], np.float32)
    image = alpha[..., None] * red + (1 - alpha[..., None]) * green
    return (image + 0.5).astype(np.uint8), alpha


def test_foreground_estimate_removes_the_old_background_tint() -> None:
    image, alpha = soft_edge_scene()
    soft = (alpha > 0.1) & (alpha < 0.9)
    naive_green = image[soft][:, 1].mean()
    estimated = estimate_foreground(image, alpha)
    assert estimated[soft][:, 1].mean() < naive_green / 3
    assert np.array_equal(estimated[alpha == 1], image[alpha == 1])


def test_white_flattening_has_no_fringe() -> None:
    image, alpha = soft_edge_scene()
    alpha8 = (alpha * 255 + 0.5).astype(np.uint8)
    flat = on_white(estimate_foreground(image, alpha), alpha8).astype(int)
    soft = (alpha > 0.1) & (alpha < 0.9)
    # On white, an edge pixel is a blend of red and white: green must not exceed blue.
    assert (flat[soft][:, 1] - flat[soft][:, 2]).max() <= 8


def test_normalise_and_upsample() -> None:
    prediction = np.array([[0.2, 0.6], [0.6, 1.0]], np.float32)
    alpha = normalise(prediction)
    assert alpha.min() == 0.0
    assert alpha.max() == 1.0
    assert normalise(np.full((4, 4), 0.3, np.float32)).max() == 0.0
    big = upsample(alpha, (40, 30))
    assert big.shape == (30, 40)
    assert 0.0 <= big.min() <= big.max() <= 1.0


def test_fuse_fills_holes_only_where_the_companion_is_confident() -> None:
    primary = np.array([[0.9, 0.1, 0.1, 0.6]], np.float32)
    companion = np.array([[0.6, 0.95, 0.4, 0.7]], np.float32)
    fused = fuse(primary, companion)
    np.testing.assert_allclose(fused, [[0.9, 0.95, 0.1, 0.7]])


def test_fuse_adds_only_regions_touching_the_primary_object() -> None:
    primary = np.zeros((8, 12), np.float32)
    primary[2:6, 1:4] = 0.9
    primary[3, 2] = 0.1  # a hole the companion fills
    companion = np.zeros((8, 12), np.float32)
    companion[2:6, 1:5] = 0.8  # the same object, a little wider
    companion[2:6, 8:11] = 0.99  # another object, apart from it
    fused = fuse(primary, companion)
    assert fused[3, 2] == np.float32(0.8)
    assert fused[3, 4] == np.float32(0.8)
    assert not fused[:, 7:].any()


def test_many_soft_pixels_are_all_estimated() -> None:
    # 60 000 soft pixels: more than cv2.remap takes on one side, so they are folded into rows.
    row = np.concatenate([np.ones(570), np.linspace(1, 0, 60), np.zeros(570)]).astype(np.float32)
    alpha = np.tile(row, (1000, 1))
    image = np.zeros((1000, 1200, 3), np.uint8)
    image[..., 0] = (alpha * 230 + 0.5).astype(np.uint8)  # red over black
    estimated = estimate_foreground(image, alpha)
    band = (alpha > 0.1) & (alpha < 0.9)
    assert band.sum() > 32767
    assert np.median(estimated[band][:, 0]) > 200  # the red, not the dark blend


@pytest.mark.parametrize("shrink", ["area", "area-lanczos"])
@pytest.mark.parametrize("shape", [(1800, 2400), (853, 1280), (700, 500), (100, 80), (6, 3000)])
def test_the_model_input_is_a_square_of_the_same_picture(
    shrink: Shrink, shape: tuple[int, int]
) -> None:
    rgb = np.zeros((*shape, 3), np.uint8)
    rgb[:, : shape[1] // 2] = 200  # left half bright
    out = square(rgb, 64, shrink)
    assert out.shape == (64, 64, 3)
    assert out.dtype == np.uint8
    assert out[:, :28].min() >= 190
    assert out[:, 36:].max() <= 10


def test_area_lanczos_keeps_fine_detail_that_area_blurs() -> None:
    x = np.arange(1000)
    stripes = (127.5 + 127.5 * np.sin(2 * np.pi * x / 30)).astype(np.uint8)  # 3 output px
    rgb = np.repeat(np.tile(stripes, (1000, 1))[..., None], 3, axis=2)
    hows: tuple[Shrink, ...] = ("area", "area-lanczos")
    contrast = {how: np.ptp(square(rgb, 100, how)[50, 10:90, 0]) for how in hows}
    assert contrast["area-lanczos"] > contrast["area"] + 15


def test_foreground_estimate_is_the_same_on_several_threads() -> None:
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, (300, 420, 3), np.uint8)
    alpha = np.clip(rng.normal(0.5, 0.4, (300, 420)), 0, 1).astype(np.float32)
    workers = Workers(2)
    try:
        shared = estimate_foreground(image, alpha, workers=workers)
    finally:
        workers.close()
    assert np.array_equal(shared, estimate_foreground(image, alpha))


def test_nearly_clear_or_opaque_pixels_keep_their_colour() -> None:
    image, alpha = soft_edge_scene()
    alpha[:, :5] = 2 / 255  # under 0.01
    alpha[:, -5:] = 253 / 255  # over 0.99
    estimated = estimate_foreground(image, alpha)
    assert np.array_equal(estimated[:, :5], image[:, :5])
    assert np.array_equal(estimated[:, -5:], image[:, -5:])
    assert not np.array_equal(estimated[:, 95:105], image[:, 95:105])


@pytest.mark.parametrize("model", ["fast", "precise"])
def test_the_model_input_is_normalised_per_channel(model: str) -> None:
    spec = MODELS[model]
    rgb = np.zeros((90, 120, 3), np.uint8)
    rgb[..., 0], rgb[..., 1], rgb[..., 2] = 10, 128, 250
    tensor = preprocess(rgb, spec)
    assert tensor.shape == (1, 3, spec.input_size, spec.input_size)
    assert tensor.dtype == np.float32
    for channel, value in enumerate((10, 128, 250)):
        expected = (value / 255 - spec.mean[channel]) / spec.std[channel]
        np.testing.assert_allclose(tensor[0, channel], expected, atol=1e-5)


def test_foreground_estimate_in_parts_and_in_place_matches_one_part_on_a_copy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(4)
    image = rng.integers(0, 256, (700, 900, 3), np.uint8)
    alpha = np.clip(rng.normal(0.5, 0.3, (700, 900)), 0, 1).astype(np.float32)
    parts = estimate_foreground(image, alpha)  # 600 000 soft pixels: three parts
    assert (alpha > 0.02).sum() > 2 * matting.PART_POINTS
    monkeypatch.setattr(matting, "PART_POINTS", 1 << 30)
    whole = estimate_foreground(image, alpha)
    assert np.array_equal(parts, whole)
    corrected = image.copy()
    workers = Workers(2)
    try:
        out = estimate_foreground(corrected, alpha, workers=workers, in_place=True)
    finally:
        workers.close()
    assert out is corrected
    assert np.array_equal(corrected, whole)
