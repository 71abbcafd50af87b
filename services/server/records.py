"""One call of the contract: each record checked, fetched or decoded, cut out and stored alone.

Whatever goes wrong inside a record becomes that record's `_status`. A call that fails as a
whole (it is cancelled) cancels its records, waits for them, and deletes what they stored.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any, Protocol, TypeVar

from pydantic import ValidationError

from ..contract.local import cut_out, status_code
from ..contract.wire import (
    PROCESSING_TIME,
    Model,
    Record,
    RecordAnswer,
    RemoveBgAnswer,
    Status,
    record_options,
)
from ..engine import Cutout, Engine, EngineError
from .calls import CallBody, describe
from .fetch import FetchError, UrlFetcher
from .store import OutputStore, StoreUnavailableError

log = logging.getLogger(__name__)
T = TypeVar("T")

_DATA_URI = "data:"


def _reserved() -> frozenset[str]:
    """Keys a record may not carry: the answer's own fields, and inputs under Python names."""
    names: set[str] = set()
    for field, info in RecordAnswer.model_fields.items():
        wire = info.alias or field
        if field not in Record.model_fields:
            names.update((field, wire))
        elif wire != field:
            names.add(field)
    return frozenset(names)


RESERVED = _reserved()


class RecordRejectedError(Exception):
    """A record the server can't take; `str(error)` says why, for the record's `_status`."""

    def __init__(self, description: str, status_code: int = 400) -> None:
        self.status_code = status_code
        super().__init__(description)


class Watcher(Protocol):
    """Told how long each stage of a record took, and of store failures (the metrics)."""

    def stage(self, name: str, seconds: float) -> None: ...

    def cutout(self, timings: dict[str, float]) -> None: ...

    def store_failed(self) -> None: ...


class Unwatched:
    def stage(self, name: str, seconds: float) -> None:
        pass

    def cutout(self, timings: dict[str, float]) -> None:
        pass

    def store_failed(self) -> None:
        pass


class RecordProcessor:
    """Turns a checked call into the contract's answer; never raises for a bad record."""

    def __init__(
        self,
        engine: Engine,
        store: OutputStore,
        fetcher: UrlFetcher,
        *,
        on_cutout: Callable[[float], None] = lambda seconds: None,
        watch: Watcher | None = None,
    ) -> None:
        self._engine = engine
        self._store = store
        self._fetcher = fetcher
        self._on_cutout = on_cutout
        self._watch = watch or Unwatched()

    async def answer(
        self, call: CallBody, model: Model, base_url: str, *, request_id: str | None = None
    ) -> RemoveBgAnswer:
        started = time.perf_counter()
        request_id = request_id or str(uuid.uuid4())
        outputs = Outputs(self._store, base_url, self._watch)
        try:
            async with asyncio.TaskGroup() as group:
                tasks = [
                    group.create_task(self._record(raw, call, model, outputs, request_id))
                    for raw in call.records
                ]
        except BaseException:
            await asyncio.shield(outputs.discard())
            raise
        records = [task.result() for task in tasks]
        failed = sum(1 for record in records if record.status and not record.status.ok)
        text = "OK" if not failed else f"{failed} of {len(records)} records failed"
        return RemoveBgAnswer(
            records=records,
            status=Status(code=200, text=text, request_id=request_id, proc_id=str(uuid.uuid4())),
            statistics={PROCESSING_TIME: time.perf_counter() - started},
        )

    async def _record(
        self, raw: dict[str, Any], call: CallBody, model: Model, outputs: Outputs, request_id: str
    ) -> RecordAnswer:
        source = raw.pop("_base64", None)  # never echoed; held here alone, and let go early
        answer = echo(raw)
        try:
            record = parse_record({**raw, "_base64": source} if source is not None else raw)
            options = record_options(call, record)
            started = time.perf_counter()
            image = await self._image_of(record)
            self._watch.stage("fetch", time.perf_counter() - started)
            del record, source
            cutout = await cut_out(self._engine, image, model, options)
            del image
            self._on_cutout(cutout.seconds)
            self._watch.cutout(cutout.timings)
            await self._keep(answer, cutout, outputs)
        except RecordRejectedError as exc:
            answer.status = _status(exc.status_code, str(exc), request_id)
        except EngineError as exc:
            answer.status = _status(status_code(exc), str(exc), request_id)
        except StoreUnavailableError as exc:
            answer.status = _status(503, str(exc), request_id)
        except Exception:  # a fault of ours: it stays in this record, and in the log
            log.exception("a record failed (request %s)", request_id)
            answer.status = _status(500, "the server failed on this record", request_id)
        else:
            answer.status = Status(code=200, text="OK", request_id=request_id)
        return answer

    async def _image_of(self, record: Record) -> bytes:
        if record.base64 is not None and record.url is not None:
            raise RecordRejectedError("give either _url or _base64 in a record, not both")
        if record.base64 is not None:
            return await asyncio.to_thread(decode_base64, record.base64)
        if record.url is not None:
            try:
                return await self._fetcher.fetch(record.url)
            except FetchError as exc:
                raise RecordRejectedError(str(exc)) from exc
        raise RecordRejectedError("a record needs _url or _base64")

    async def _keep(self, answer: RecordAnswer, cutout: Cutout, outputs: Outputs) -> None:
        answer.width, answer.height = cutout.width, cutout.height
        answer.output_url = await outputs.put(cutout.image, cutout.image_format)
        if cutout.mask is not None:
            answer.output_url_mask = await outputs.put(cutout.mask, "jpg")
        if cutout.white is not None:
            answer.output_url_whitebg = await outputs.put(cutout.white, "jpg")


class Outputs:
    """One call's stored outputs, so that a call that fails can take them back."""

    def __init__(self, store: OutputStore, base_url: str, watch: Watcher) -> None:
        self._store = store
        self._base_url = base_url.rstrip("/")
        self._watch = watch
        self._keys: list[str] = []

    async def put(self, data: bytes, suffix: str) -> str:
        started = time.perf_counter()
        try:
            key = await finished(self._store.put(data, suffix=suffix), self._keys.append)
            url = await self._store.url(key, self._base_url)
        except Exception:
            self._watch.store_failed()
            raise
        self._watch.stage("store", time.perf_counter() - started)
        return url

    async def discard(self) -> None:
        for key in self._keys:
            try:
                await self._store.delete(key)
            except (OSError, StoreUnavailableError):
                log.warning("could not take back output %s; the sweeper will", key)
        self._keys.clear()


async def finished(work: Awaitable[T], done: Callable[[T], object]) -> T:
    """Await `work` and pass its result to `done`; if cancelled, let `work` finish first."""
    task = asyncio.ensure_future(work)
    try:
        result = await asyncio.shield(task)
    except asyncio.CancelledError:
        await asyncio.wait([task])
        if not task.cancelled() and task.exception() is None:
            done(task.result())
        raise
    finally:
        del task  # no cycle through a failed task's traceback
    done(result)
    return result


def parse_record(raw: dict[str, Any]) -> Record:
    """A record checked on its own: a `RecordRejectedError` says what is wrong with it."""
    clash = sorted(RESERVED.intersection(raw))
    if clash:
        raise RecordRejectedError(f"a record may not carry {clash[0]!r}: {_why(clash[0])}")
    try:
        return Record.model_validate(raw)
    except ValidationError as exc:
        raise RecordRejectedError(describe(exc)) from None


def echo(raw: dict[str, Any]) -> RecordAnswer:
    """The record as the answer repeats it: without its image, nor what can't be read."""
    kept = {key: value for key, value in raw.items() if key not in RESERVED}
    kept.pop("_base64", None)
    try:
        return RecordAnswer.model_validate(_with_id(kept))
    except ValidationError as exc:
        for error in exc.errors():
            kept.pop(str(error["loc"][0]), None)
        return RecordAnswer.model_validate(_with_id(kept))


def _with_id(fields: dict[str, Any]) -> dict[str, Any]:
    return fields if fields.get("_id") else {**fields, "_id": str(uuid.uuid4())}


def decode_base64(text: str) -> bytes:
    """Plain base64 or a `data:` URI; whitespace and line breaks are ignored."""
    if text.startswith(_DATA_URI):
        header, _, text = text.partition(",")
        if not header.endswith(";base64"):
            raise RecordRejectedError("a data: URI in _base64 must be base64-encoded")
    try:
        return binascii.a2b_base64(text, strict_mode=True)  # reads the str in place
    except (binascii.Error, ValueError):
        pass
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise RecordRejectedError("_base64 is not valid base64") from None


def _why(name: str) -> str:
    if name.startswith("_") or name not in Record.model_fields:
        return "the answer sets it"
    return f"did you mean '_{name}'?"


def _status(code: int, description: str, request_id: str) -> Status:
    return Status(
        code=code,
        text=HTTPStatus(code).phrase,
        error_description=description,
        request_id=request_id,
    )
