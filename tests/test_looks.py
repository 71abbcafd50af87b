"""Backgrounds and crops: the arrays alone, then through the engine with the real fast model."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from services.engine import BadOptionError, Engine, Options
from services.engine.backgrounds import Blur, Colour, Photo, blurred, covering, match_light, over
from services.engine.composer import Composer
from services.engine.crops import Crop, cut, frame, subject_box
from services.engine.decoder import Limits
from services.engine.looks import Look
from tests.images import disc, encode, opened, sample


def _alpha_with_box(left: int, top: int, right: int, bottom: int) -> np.ndarray:
    alpha = np.zeros((300, 400), np.uint8)
    alpha[top:bottom, left:right] = 255
    return alpha


@pytest.mark.parametrize(
    ("text", "rgb"),
    [("#FF0000", (255, 0, 0)), ("00ff7f", (0, 255, 127)), ("#abc", (170, 187, 204))],
)
def test_colour_parses_hex_codes(text: str, rgb: tuple[int, int, int]) -> None:
    assert Colour.parse(text).rgb == rgb


@pytest.mark.parametrize("text", ["red", "#12345", "#GGGGGG", "", "#FF0000FF"])
def test_colour_refuses_anything_else_clearly(text: str) -> None:
    with pytest.raises(BadOptionError, match="#RRGGBB"):
        Colour.parse(text)


@pytest.mark.parametrize("shape", ["circle", "3:2", "0x10", "20000x10"])
def test_crop_refuses_unknown_shapes_and_sizes(shape: str) -> None:
    with pytest.raises(BadOptionError):
        Crop(shape)


@pytest.mark.parametrize("margin", [-1.0, 101.0, float("nan")])
def test_crop_refuses_margins_out_of_range(margin: float) -> None:
    with pytest.raises(BadOptionError, match="margin"):
        Crop("square", margin)


@pytest.mark.parametrize(
    ("shape", "ratio"), [("square", 1.0), ("4:5", 0.8), ("9:16", 9 / 16), ("original", 4 / 3)]
)
@pytest.mark.parametrize("box", [(100, 50, 180, 250), (10, 120, 390, 160), (0, 0, 400, 300)])
def test_aspect_frames_have_the_ratio_and_hold_the_whole_subject(
    shape: str, ratio: float, box: tuple[int, int, int, int]
) -> None:
    where = frame(_alpha_with_box(*box), Crop(shape, margin=5), max_pixels=10**8)
    assert abs(where.width / where.height - ratio) < 1.5 / min(where.width, where.height)
    if shape == "square":
        assert where.width == where.height
    left, top, right, bottom = box
    assert where.left <= left
    assert where.top <= top
    assert where.right >= right
    assert where.bottom >= bottom
    assert where.out == (where.width, where.height)


def test_subject_frame_is_the_box_and_its_margin() -> None:
    where = frame(_alpha_with_box(100, 50, 200, 250), Crop("subject", 10), max_pixels=10**8)
    assert (where.left, where.top, where.right, where.bottom) == (80, 30, 220, 270)


def test_a_fixed_size_frame_comes_out_at_that_size() -> None:
    alpha = _alpha_with_box(100, 50, 180, 250)
    where = frame(alpha, Crop("1080x1350"), max_pixels=10**8)
    assert where.out == (1080, 1350)
    assert cut(alpha, where).shape == (1350, 1080)


def test_an_empty_alpha_frames_the_whole_photo() -> None:
    assert subject_box(np.zeros((30, 40), np.uint8)) is None
    where = frame(np.zeros((30, 40), np.uint8), Crop("subject"), max_pixels=10**8)
    assert (where.left, where.top, where.right, where.bottom) == (0, 0, 40, 30)


def test_a_huge_frame_is_scaled_down_to_the_pixel_limit() -> None:
    alpha = np.zeros((100, 4000), np.uint8)
    alpha[40:60, :] = 255  # a panorama's strip
    where = frame(alpha, Crop("9:16"), max_pixels=1_000_000)
    assert where.out[0] * where.out[1] <= 1_000_000
    assert abs(where.out[0] / where.out[1] - 9 / 16) < 0.01
    assert cut(alpha, where).shape == (where.out[1], where.out[0])


def test_parts_of_a_frame_past_the_photo_are_transparent_or_mirrored() -> None:
    alpha = _alpha_with_box(0, 100, 400, 200)  # a wide subject: a square frame is taller
    where = frame(alpha, Crop("square"), max_pixels=10**8)
    assert where.top < 0
    assert where.bottom > 300
    framed = cut(alpha, where)
    assert framed[0].max() == 0
    assert framed[-1].max() == 0
    rgb = np.full((300, 400, 3), 77, np.uint8)
    assert (cut(rgb, where, reflect=True) == 77).all()
    assert cut(rgb, where)[0].max() == 0


def test_a_colour_backdrop_shows_where_alpha_is_zero_and_mixes_at_soft_edges() -> None:
    fg = np.full((2, 3, 3), 200, np.uint8)
    alpha = np.array([[0, 128, 255], [0, 0, 255]], np.uint8)
    out = over(fg, alpha, Colour((255, 0, 0)))
    assert out[0, 0].tolist() == [255, 0, 0]
    assert out[0, 2].tolist() == [200, 200, 200]
    assert 220 < out[0, 1, 0] < 235
    assert 95 < out[0, 1, 1] < 105


@pytest.mark.parametrize("size", [(400, 300), (1600, 1200)])  # blurred as it is, or smaller
def test_blurred_background_has_no_halo_of_the_subject(size: tuple[int, int]) -> None:
    rgb = np.asarray(disc(size))  # a red disc on green
    alpha = np.where(rgb[..., 0] > 150, 255, 0).astype(np.uint8)
    backdrop = blurred(rgb, alpha)
    assert backdrop.shape == rgb.shape
    outside = alpha == 0
    assert np.abs(backdrop[outside].astype(int) - (90, 140, 90)).max() <= 2
    plain = cv2.GaussianBlur(rgb, (0, 0), 0.02 * max(size))
    assert np.abs(plain[outside].astype(int) - (90, 140, 90)).max() > 40  # what a halo is


def test_blur_fills_a_subject_that_covers_almost_everything() -> None:
    rgb = np.full((200, 200, 3), 50, np.uint8)
    rgb[:, :4] = (0, 0, 250)
    alpha = np.full((200, 200), 255, np.uint8)
    alpha[:, :4] = 0
    backdrop = blurred(rgb, alpha)
    assert np.abs(backdrop[:, 150].astype(int) - (0, 0, 250)).max() <= 3


def test_a_photo_backdrop_covers_the_output_and_is_centred() -> None:
    photo = np.zeros((100, 300, 3), np.uint8)
    photo[:, 150:] = 255  # black left half, white right half
    backdrop = covering(encode_rgb(photo), (200, 200), Limits())  # the middle third, doubled
    assert backdrop.shape == (200, 200, 3)
    assert backdrop[100, 50].max() < 15
    assert backdrop[100, 150].min() > 240


def test_matching_light_moves_the_backdrop_towards_the_subject() -> None:
    backdrop = np.full((50, 50, 3), 30, np.uint8)
    backdrop[::2] = 60
    fg = np.full((50, 50, 3), 200, np.uint8)
    fg[::2] = 230
    alpha = np.full((50, 50), 255, np.uint8)
    match_light(backdrop, fg, alpha)
    assert backdrop.mean() > 150


def encode_rgb(rgb: np.ndarray) -> bytes:
    from PIL import Image

    return encode(Image.fromarray(rgb, "RGB"), "PNG")


async def test_red_background_gives_red_where_the_subject_is_not_and_a_jpeg(
    engine: Engine,
) -> None:
    plain = await engine.remove(sample("chelsea.jpg"), model="fast")
    alpha = np.asarray(opened(plain.image))[..., 3]
    look = Look(background=Colour.parse("#FF0000"))
    result = await engine.remove(
        sample("chelsea.jpg"), model="fast", options=Options(image_format="jpg", look=look)
    )
    image = opened(result.image)
    assert image.format == "JPEG"
    assert image.size == (451, 300)
    pixels = np.asarray(image.convert("RGB")).astype(int)
    hidden = pixels[alpha == 0]
    assert len(hidden) > 1000
    assert (hidden[:, 0] > 230).mean() > 0.98
    assert (hidden[:, 1:] < 25).mean() > 0.98


async def test_square_crop_is_square_and_holds_the_whole_subject(engine: Engine) -> None:
    plain = await engine.remove(sample("chelsea.jpg"), model="fast")
    visible = int((np.asarray(opened(plain.image))[..., 3] >= 3).sum())
    options = Options(binary_mask=True, white_background=True, look=Look(crop=Crop("square", 5)))
    result = await engine.remove(sample("chelsea.jpg"), model="fast", options=options)
    image = opened(result.image)
    assert image.width == image.height == result.width == result.height
    assert int((np.asarray(image)[..., 3] >= 3).sum()) == visible
    assert result.mask is not None
    assert opened(result.mask).size == image.size
    assert result.white is not None
    assert opened(result.white).size == image.size


async def test_a_look_composed_again_from_the_cutout_matches_the_direct_one(
    engine: Engine,
) -> None:
    options = Options(look=Look(background=Colour((0, 0, 255)), crop=Crop("4:5", 10)))
    direct = await engine.remove(sample("chelsea.jpg"), model="fast", options=options)
    plain = await engine.remove(sample("chelsea.jpg"), model="fast")
    again = Composer().recompose(plain.image, None, options, model="fast")
    assert (again.width, again.height) == (direct.width, direct.height)
    a = np.asarray(opened(again.image).convert("RGB")).astype(int)
    b = np.asarray(opened(direct.image).convert("RGB")).astype(int)
    assert np.abs(a - b).mean() < 1.0


async def test_blur_composed_again_needs_the_original(engine: Engine) -> None:
    plain = await engine.remove(sample("chelsea.jpg"), model="fast")
    options = Options(look=Look(background=Blur()))
    composer = Composer()
    with pytest.raises(BadOptionError, match="original"):
        composer.recompose(plain.image, None, options)
    again = composer.recompose(plain.image, sample("chelsea.jpg"), options)
    assert opened(again.image).mode == "RGB"
    with pytest.raises(BadOptionError, match="differ in size"):
        composer.recompose(plain.image, encode(disc(), "PNG"), options)


async def test_a_background_photo_that_is_not_an_image_is_the_image_error(
    engine: Engine,
) -> None:
    from services.engine import NotAnImageError

    look = Look(background=Photo(b"not an image at all"))
    with pytest.raises(NotAnImageError):
        await engine.remove(sample("chelsea.jpg"), model="fast", options=Options(look=look))
