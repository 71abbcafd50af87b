from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from services.engine import (
    CorruptImageError,
    EmptyImageError,
    Engine,
    ImageTooLargeError,
    ModelUnavailableError,
    NotAnImageError,
    Options,
    UnknownModelError,
    encoder,
)
from services.engine.registry import FAST
from services.engine.sources import LocalFileSource
from tests.images import disc, encode, opened, png_header_only, sample
from tests.onnx_models import tiny_fixed_size_model


async def test_fast_cutout_is_transparent_png_at_full_size(engine: Engine) -> None:
    cutout = await engine.remove(sample("chelsea.jpg"), model="fast")
    image = opened(cutout.image)
    assert image.format == "PNG"
    assert image.mode == "RGBA"
    assert image.size == (451, 300) == (cutout.width, cutout.height)
    alpha = np.asarray(image)[..., 3]
    assert alpha[150, 225] > 200  # the cat's face
    assert alpha[5, 5] < 30  # the wall behind it
    assert cutout.mask is None
    assert cutout.white is None


async def test_mask_and_white_background(engine: Engine) -> None:
    options = Options(binary_mask=True, white_background=True)
    cutout = await engine.remove(sample("coffee.jpg"), model="fast", options=options)
    assert cutout.mask is not None
    assert cutout.white is not None
    mask, white = opened(cutout.mask), opened(cutout.white)
    assert (mask.format, mask.mode) == ("JPEG", "L")
    assert (white.format, white.mode) == ("JPEG", "RGB")
    assert mask.size == white.size == opened(cutout.image).size == (600, 400)
    corner = np.asarray(white)[:10, :10].astype(int)
    assert corner.min() > 240  # the background became white


@pytest.mark.parametrize(
    ("fmt", "pil_format", "mode"), [("webp", "WEBP", "RGBA"), ("jpg", "JPEG", "RGB")]
)
async def test_output_formats(engine: Engine, fmt: str, pil_format: str, mode: str) -> None:
    options = Options(image_format=fmt, image_quality=80)  # type: ignore[arg-type]
    cutout = await engine.remove(sample("coffee.jpg"), model="fast", options=options)
    image = opened(cutout.image)
    assert (image.format, image.mode, image.size) == (pil_format, mode, (600, 400))
    assert cutout.image_format == fmt


async def test_quality_changes_lossy_size(engine: Engine) -> None:
    sizes = []
    for quality in (30, 95):
        options = Options(image_format="jpg", image_quality=quality)
        sizes.append(len((await engine.remove(sample(), model="fast", options=options)).image))
    assert sizes[0] < sizes[1]


async def test_input_alpha_stays_transparent(engine: Engine) -> None:
    image = opened(sample("coffee.jpg")).convert("RGBA")
    image.putalpha(Image.new("L", image.size, 0).crop((0, 0, 300, 400)).resize(image.size))
    cutout = await engine.remove(encode(image, "PNG"), model="fast")
    assert np.asarray(opened(cutout.image))[..., 3].max() == 0


async def test_records_every_stage(engine: Engine) -> None:
    cutout = await engine.remove(encode(disc(), "PNG"), model="fast")
    assert set(cutout.timings) == {"decode", "preprocess", "inference", "postprocess", "encode"}
    assert cutout.seconds > 0


async def test_unknown_model_is_a_clear_error(engine: Engine) -> None:
    with pytest.raises(UnknownModelError, match="fast, precise"):
        await engine.remove(sample(), model="turbo")


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", EmptyImageError),
        (b"%PDF-1.4 not an image", NotAnImageError),
        (sample()[:5000], CorruptImageError),
        (png_header_only(30000, 30000), ImageTooLargeError),
    ],
)
async def test_bad_input_raises_its_error(engine: Engine, data: bytes, error: type) -> None:
    with pytest.raises(error):
        await engine.remove(data, model="fast")


async def test_engine_keeps_working_after_bad_input(engine: Engine) -> None:
    with pytest.raises(CorruptImageError):
        await engine.remove(sample()[:5000], model="fast")
    assert (await engine.remove(sample(), model="fast")).width == 451


async def test_concurrent_jobs_all_finish(engine: Engine) -> None:
    jobs = [engine.remove(encode(disc(), "PNG"), model="fast") for _ in range(4)]
    assert [c.width for c in await asyncio.gather(*jobs)] == [160] * 4


@pytest.mark.precise
async def test_precise_cutout(engine: Engine) -> None:
    cutout = await engine.remove(sample("chelsea.jpg"), model="precise")
    alpha = np.asarray(opened(cutout.image))[..., 3]
    assert alpha.shape == (300, 451)
    assert alpha[150, 225] > 200
    assert alpha[5, 5] < 30


@pytest.mark.precise
async def test_event_loop_ticks_during_precise_job(engine: Engine) -> None:
    """No stage holds the GIL long enough to stall the loop. A stall of ours comes back on
    every run; one from another process taking the CPU does not, so the better of two runs
    is what counts."""
    await engine.warm_up("precise")
    big = encode(opened(sample("astronaut.jpg")).resize((1280, 960)), "JPEG")
    stalls = []
    for _ in range(2):
        run = engine.remove(big, model="precise", options=Options(binary_mask=True))
        stalls.append(await _longest_stall(run))
    assert min(stalls) <= 0.05, f"the loop stalled for {min(stalls) * 1000:.0f} ms"


async def _longest_stall(work: Coroutine[Any, Any, object]) -> float:
    """The longest the loop went without running a 10 ms ticker while `work` ran."""
    gaps: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    task = asyncio.create_task(ticker())
    await work
    done.set()
    await task
    assert len(gaps) > 20
    return max(gaps)


async def test_fixed_size_weights_run_at_their_own_size(models_dir: Path) -> None:
    # U²-Net-p's file has a fixed 320x320 input: a spec asking for 512 must still work.
    odd = dataclasses.replace(FAST, name="odd", input_size=512)
    engine = Engine(models_dir, models={"odd": odd})
    cutout = await engine.remove(sample(), model="odd")
    assert cutout.width == 451


async def test_broken_model_file_is_unavailable_not_a_crash(tmp_path: Path) -> None:
    tiny_fixed_size_model(tmp_path / "tiny.onnx")  # takes one channel: no photo fits it
    spec = dataclasses.replace(
        FAST, name="tiny", filename="tiny.onnx", sources=(LocalFileSource(tmp_path / "tiny.onnx"),)
    )
    engine = Engine(tmp_path / "models", models={"tiny": spec})
    engine.weights.fetch(spec)
    with pytest.raises(ModelUnavailableError, match="inference failed"):
        await engine.remove(sample(), model="tiny")


async def test_each_model_estimates_edge_colours_at_its_own_working_size(
    models_dir: Path,
) -> None:
    """precise works at 1024 px (less fringe), fast at 640; photos under 640 px are alike."""
    photo = sample("astronaut.jpg")
    wide = encode(opened(photo).resize((1200, 1200)), "JPEG", quality=92)
    coarse = dataclasses.replace(FAST, name="coarse", matting_side=640)
    fine = dataclasses.replace(FAST, name="fine", matting_side=1024)
    engine = Engine(models_dir, models={"coarse": coarse, "fine": fine})
    try:
        cutouts = [await engine.remove(wide, model=name) for name in ("coarse", "fine")]
        small = [await engine.remove(photo, model=name) for name in ("coarse", "fine")]
    finally:
        engine.close()
    first, second = (np.asarray(opened(c.image)) for c in cutouts)
    assert np.array_equal(first[..., 3], second[..., 3])  # the same alpha
    assert not np.array_equal(first[..., :3], second[..., :3])  # other edge colours
    assert small[0].image == small[1].image


async def test_a_large_cutout_its_mask_and_white_background_agree_pixel_for_pixel(
    engine: Engine,
) -> None:
    """Each output is made in stripes of its own: they must still describe one picture."""
    photo = opened(sample("astronaut.jpg")).resize((2300, 1700)).convert("RGBA")  # 3.9 MP
    photo.putalpha(Image.linear_gradient("L").rotate(90).resize(photo.size))  # input alpha
    options = Options(binary_mask=True, white_background=True, image_quality=90)
    cutout = await engine.remove(encode(photo, "PNG"), model="fast", options=options)
    assert cutout.mask is not None
    assert cutout.white is not None
    rgba = np.asarray(opened(cutout.image))
    assert rgba.shape == (1700, 2300, 4)
    alpha = np.ascontiguousarray(rgba[..., 3])
    assert 0 < alpha.mean() < 250
    assert cutout.mask == encoder.jpeg(alpha, quality=90)
    assert cutout.white == encoder.jpeg(encoder.on_white(rgba[..., :3], alpha), quality=90)
