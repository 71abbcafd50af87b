"""Keep the bot token out of every log line, whatever the level and whoever logs it."""

from __future__ import annotations

import logging
from typing import Any

MASK = "<bot-token>"


def redact(secret: str) -> None:
    """Mask `secret` in every log record from now on (PTB logs its URLs at DEBUG)."""
    if not secret:
        return
    make = logging.getLogRecordFactory()
    if getattr(make, "redacts", None) == secret:
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        message = record.getMessage()
        if secret in message:
            record.msg, record.args = message.replace(secret, MASK), ()
        return record

    factory.redacts = secret  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines hold the token
