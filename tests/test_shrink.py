import cv2
import numpy as np
import pytest

from services.engine.shrink import area


@pytest.mark.parametrize("size", [(640, 480), (640, 640), (333, 250), (1000, 10)])
def test_area_averages_like_a_direct_area_shrink(size: tuple[int, int]) -> None:
    noise = np.random.default_rng(7).integers(0, 256, (1500, 2000, 3), dtype=np.uint8)
    image = cv2.equalizeHist(cv2.GaussianBlur(noise, (0, 0), 2).reshape(1500, -1)).reshape(
        noise.shape
    )
    direct = cv2.resize(image, size, interpolation=cv2.INTER_AREA).astype(int)
    sampled = cv2.resize(image, size, interpolation=cv2.INTER_NEAREST)  # no averaging: aliased
    shrunk = area(image, size)
    assert shrunk.shape == (size[1], size[0], 3)
    assert np.abs(shrunk - direct).mean() < 0.4 * np.abs(sampled - direct).mean()


def test_area_keeps_a_whole_number_factor_exact() -> None:
    image = np.arange(24, dtype=np.float32).reshape(4, 6)
    assert np.array_equal(area(image, (3, 2)), [[3.5, 5.5, 7.5], [15.5, 17.5, 19.5]])


def test_area_leaves_an_image_already_the_size() -> None:
    image = np.zeros((10, 20), np.uint8)
    assert area(image, (20, 10)) is image
