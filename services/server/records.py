"""One call of the contract: each record fetched or decoded, cut out and stored on its own."""

from __future__ import annotations

import asyncio
import base64
import binascii
import time
import uuid
from collections.abc import Callable
from http import HTTPStatus

from ..engine import Cutout, Engine
from ..removebg.errors import RemoveBgError, RequestRejectedError
from ..removebg.local import run_engine
from ..removebg.wire import (
    PROCESSING_TIME,
    Model,
    OutputOptions,
    Record,
    RecordAnswer,
    RemoveBgAnswer,
    RemoveBgRequest,
    Status,
)
from .fetch import FetchError, UrlFetcher
from .store import OutputStore

_DATA_URI = "data:"


class RecordProcessor:
    """Turns a valid request into the contract's answer; never raises for a bad record."""

    def __init__(
        self,
        engine: Engine,
        store: OutputStore,
        fetcher: UrlFetcher,
        *,
        on_cutout: Callable[[float], None] = lambda seconds: None,
    ) -> None:
        self._engine = engine
        self._store = store
        self._fetcher = fetcher
        self._on_cutout = on_cutout

    async def answer(
        self, request: RemoveBgRequest, model: Model, base_url: str
    ) -> RemoveBgAnswer:
        started = time.perf_counter()
        request_id = str(uuid.uuid4())
        records = await asyncio.gather(
            *(
                self._record(record, request.options_for(record), model, base_url, request_id)
                for record in request.records
            )
        )
        failed = sum(1 for record in records if record.status and not record.status.ok)
        text = "OK" if not failed else f"{failed} of {len(records)} records failed"
        return RemoveBgAnswer(
            records=records,
            status=Status(code=200, text=text, request_id=request_id, proc_id=str(uuid.uuid4())),
            statistics={PROCESSING_TIME: time.perf_counter() - started},
        )

    async def _record(
        self, record: Record, options: OutputOptions, model: Model, base_url: str, request_id: str
    ) -> RecordAnswer:
        echo = record.model_dump(exclude={"base64", "id"})
        answer = RecordAnswer(**echo, id=record.id or str(uuid.uuid4()))
        try:
            image = await self._image_of(record)
            cutout = await run_engine(self._engine, image, model, options)
            self._on_cutout(cutout.seconds)
            await self._keep(answer, cutout, base_url)
        except RequestRejectedError as exc:
            answer.status = _status(exc.status_code, exc.description, request_id)
        except RemoveBgError as exc:
            answer.status = _status(503, str(exc), request_id)
        else:
            answer.status = Status(code=200, text="OK", request_id=request_id)
        return answer

    async def _image_of(self, record: Record) -> bytes:
        if record.base64 is not None and record.url is not None:
            raise RequestRejectedError("give either _url or _base64 in a record, not both")
        if record.base64 is not None:
            return decode_base64(record.base64)
        if record.url is not None:
            try:
                return await self._fetcher.fetch(record.url)
            except FetchError as exc:
                raise RequestRejectedError(str(exc)) from exc
        raise RequestRejectedError("a record needs _url or _base64")

    async def _keep(self, answer: RecordAnswer, cutout: Cutout, base_url: str) -> None:
        answer.width, answer.height = cutout.width, cutout.height
        answer.output_url = await self._put(cutout.image, cutout.image_format, base_url)
        if cutout.mask is not None:
            answer.output_url_mask = await self._put(cutout.mask, "jpg", base_url)
        if cutout.white is not None:
            answer.output_url_whitebg = await self._put(cutout.white, "jpg", base_url)

    async def _put(self, data: bytes, suffix: str, base_url: str) -> str:
        key = await self._store.put(data, suffix=suffix)
        return f"{base_url.rstrip('/')}/outputs/{key}"


def decode_base64(text: str) -> bytes:
    """Plain base64 or a `data:` URI; whitespace and line breaks are ignored."""
    if text.startswith(_DATA_URI):
        header, _, text = text.partition(",")
        if not header.endswith(";base64"):
            raise RequestRejectedError("a data: URI in _base64 must be base64-encoded")
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise RequestRejectedError("_base64 is not valid base64") from None


def _status(code: int, description: str, request_id: str) -> Status:
    return Status(
        code=code,
        text=HTTPStatus(code).phrase,
        error_description=description,
        request_id=request_id,
    )
