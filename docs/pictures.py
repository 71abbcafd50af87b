"""Make docs/before-after.jpg (each sample photo beside the engine's cut-outs) and
docs/looks.jpg (one photo and the looks made of it: backgrounds and crops).

.venv/bin/python docs/pictures.py
"""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from PIL import Image, ImageDraw

from services.config import Settings
from services.engine import Engine, Options
from services.engine.backgrounds import Blur, Colour, Photo
from services.engine.crops import Crop
from services.engine.looks import Look

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ["astronaut.jpg", "chelsea.jpg", "coffee.jpg"]
CELL = 300
LOOKS_OF = "coffee.jpg"
LOOKS_ON = "rocket.jpg"  # the other photo, as a background


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


async def looks(engine: Engine) -> list[Image.Image]:
    """The photo, its cut-out, then each look the bot offers, all with the precise model."""
    data = (ROOT / "samples" / LOOKS_OF).read_bytes()
    other = (ROOT / "samples" / LOOKS_ON).read_bytes()
    cells = [fit(Image.open(io.BytesIO(data)).convert("RGB"))]
    for look in (
        Look(),
        Look(background=Colour((30, 136, 229))),
        Look(background=Blur()),
        Look(background=Photo(other)),
        Look(background=Colour((255, 255, 255)), crop=Crop("square", 5)),
        Look(background=Colour((253, 216, 53)), crop=Crop("9:16", 5)),
    ):
        cutout = await engine.remove(data, model="precise", options=Options(look=look))
        image = Image.open(io.BytesIO(cutout.image))
        cells.append(fit(on_board(image) if image.mode == "RGBA" else image.convert("RGB")))
    return cells


def sheet_of(rows: list[list[Image.Image]]) -> Image.Image:
    columns = max(len(cells) for cells in rows)
    size = (columns * (CELL + 10) + 10, len(rows) * (CELL + 10) + 10)
    sheet = Image.new("RGB", size, "white")
    for r, cells in enumerate(rows):
        for c, cell in enumerate(cells):
            x = 10 + c * (CELL + 10) + (CELL - cell.width) // 2
            y = 10 + r * (CELL + 10) + (CELL - cell.height) // 2
            sheet.paste(cell, (x, y))
    return sheet


async def main() -> None:
    engine = Engine(Settings().engine.models_dir)
    rows = [await row(engine, name) for name in SAMPLES]
    made = await looks(engine)
    engine.close()
    sheet_of(rows).save(ROOT / "docs" / "before-after.jpg", quality=88)
    sheet_of([made[:4], made[4:]]).save(ROOT / "docs" / "looks.jpg", quality=88)


if __name__ == "__main__":
    asyncio.run(main())
