"""An image a user sent, as the bot found it in their message."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Incoming:
    message_id: int  # the message that carries the image; results reply to it
    file_id: str
    file_unique_id: str
    file_name: str | None
    file_size: int | None
    kind: str  # photo | document
