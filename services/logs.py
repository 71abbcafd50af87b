"""Log lines as text or as one JSON object each, with the request id they belong to.

A request id travels from the bot to the server in the `X-Request-ID` header: the bot sets
`REQUEST_ID` for a job, the client sends it, and the server answers with it as the contract's
`request_id`. Entry points call `configure_logging` once.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Literal

HEADER = "X-Request-ID"
REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
_ACCEPTED = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_TEXT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"

LogFormat = Literal["text", "json"]


def new_request_id() -> str:
    return str(uuid.uuid4())


def accepted_request_id(given: str | None) -> str:
    """A caller's id when it is short and plain (it goes into logs), else a new one."""
    return given if given and _ACCEPTED.match(given) else new_request_id()


class RequestIdFilter(logging.Filter):
    """Gives every record the request id of the task that logged it ("-" outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure_logging(fmt: LogFormat, level: int = logging.INFO) -> None:
    """Root logging to stderr in `fmt`; httpx stays quiet (its URLs carry the bot token)."""
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(_TEXT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
