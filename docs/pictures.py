"""Make docs/before-after.jpg: each sample photo beside the engine's cut-outs.

.venv/bin/python docs/pictures.py
"""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from PIL import Image, ImageDraw

from services.config import Settings
from services.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ["astronaut.jpg", "chelsea.jpg", "coffee.jpg"]
CELL = 300


def checkerboard(size: tuple[int, int], square: int = 12) -> Image.Image:
    board = Image.new("RGB", size, (255, 255, 255))
    draw = ImageDraw.Draw(board)
    for y in range(0, size[1], square):
        for x in range((y // square) % 2 * square, size[0], 2 * square):
            draw.rectangle((x, y, x + square - 1, y + square - 1), fill=(204, 204, 204))
    return board


def fit(image: Image.Image) -> Image.Image:
    image = image.copy()
    image.thumbnail((CELL, CELL), Image.Resampling.LANCZOS)
    return image


def on_board(cutout: Image.Image) -> Image.Image:
    board = checkerboard(cutout.size)
    board.paste(cutout, mask=cutout.getchannel("A"))
    return board


async def row(engine: Engine, name: str) -> list[Image.Image]:
    data = (ROOT / "samples" / name).read_bytes()
    fast = await engine.remove(data, model="fast")
    precise = await engine.remove(data, model="precise")
    return [
        fit(Image.open(io.BytesIO(data)).convert("RGB")),
        fit(on_board(Image.open(io.BytesIO(fast.image)))),
        fit(on_board(Image.open(io.BytesIO(precise.image)))),
    ]


async def main() -> None:
    engine = Engine(Settings().engine.models_dir)
    rows = [await row(engine, name) for name in SAMPLES]
    engine.close()
    sheet = Image.new("RGB", (3 * CELL + 40, len(rows) * CELL + 10 * (len(rows) + 1)), "white")
    for r, cells in enumerate(rows):
        for c, cell in enumerate(cells):
            x = 10 + c * (CELL + 10) + (CELL - cell.width) // 2
            y = 10 + r * (CELL + 10) + (CELL - cell.height) // 2
            sheet.paste(cell, (x, y))
    sheet.save(ROOT / "docs" / "before-after.jpg", quality=88)


if __name__ == "__main__":
    asyncio.run(main())
