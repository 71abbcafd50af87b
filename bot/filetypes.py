"""Whether a file is an image, from its first bytes, read before any choice is offered."""

from __future__ import annotations

import logging

import httpx
from telegram import Bot
from telegram.error import TelegramError

log = logging.getLogger(__name__)
HEAD = 16  # bytes: enough for every signature below
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}


def is_image(head: bytes) -> bool:
    """`head` starts as a JPEG, PNG, GIF, WebP, BMP, TIFF or HEIF file does: what the engine
    reads (an empty head is left to the engine, which says the file is empty)."""
    if not head:
        return True
    return (
        head.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM"))
        or head.startswith((b"II*\x00", b"MM\x00*"))
        or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
        or (head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS)
    )


class FileSniffer:
    """Reads the first bytes of a file on Telegram's servers, and no more of it."""

    def __init__(self, *, timeout: float) -> None:
        self._client = httpx.AsyncClient(timeout=timeout)

    async def head(self, bot: Bot, file_id: str) -> bytes | None:
        """The file's first HEAD bytes, or None if they can't be read now (the job will try)."""
        try:
            file = await bot.get_file(file_id)
            if not file.file_path:
                return None
            return await self._first_bytes(file.file_path)
        except (TelegramError, httpx.HTTPError) as exc:  # the URL holds the token: not logged
            log.warning("could not read a file's first bytes: %s", type(exc).__name__)
            return None

    async def _first_bytes(self, url: str) -> bytes:
        head = b""
        ranged = {"Range": f"bytes=0-{HEAD - 1}"}  # a server that ignores it is cut off below
        async with self._client.stream("GET", url, headers=ranged) as response:
            response.raise_for_status()
            async for chunk in response.aiter_bytes():
                head += chunk
                if len(head) >= HEAD:
                    break
        return head[:HEAD]

    async def aclose(self) -> None:
        await self._client.aclose()
