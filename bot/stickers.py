"""Cut-outs as Telegram stickers: a 512 px transparent WebP, and a personal sticker set."""

from __future__ import annotations

import io

from PIL import Image

SIDE = 512  # Telegram: one side exactly 512, the other at most 512
MAX_BYTES = 512 * 1024
EMOJI = "✂️"


def to_sticker(cutout: bytes) -> bytes:
    """A static sticker from an encoded cut-out (CPU work: run it in a thread)."""
    with Image.open(io.BytesIO(cutout)) as opened:
        image = opened.convert("RGBA")
    box = image.getbbox()  # trim the transparent margin, so the subject fills the sticker
    if box is not None:
        image = image.crop(box)
    scale = SIDE / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    image = image.resize(size, Image.Resampling.LANCZOS)
    for quality in (90, 80, 70, 55, 40):
        buffer = io.BytesIO()
        image.save(buffer, "WEBP", quality=quality, method=4, exact=False)
        if buffer.tell() <= MAX_BYTES:
            break
    return buffer.getvalue()


def set_name(user_id: int, bot_username: str) -> str:
    """The user's own set; Telegram wants the `_by_<bot>` suffix."""
    return f"cutouts_{user_id}_by_{bot_username}"


def set_title(title: str) -> str:
    """The set's title as Telegram takes it: at most 64 characters."""
    return title[:64]
