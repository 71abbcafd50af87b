"""The Remove Background contract over HTTP (Starlette)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from ..config import Settings
from ..engine import Engine
from ..factory import build_engine
from ..removebg.wire import MODELS, Model, RemoveBgRequest
from .admission import Admission, QueueFullError
from .auth import TokenCheck
from .fetch import UrlFetcher
from .inflight import RequestCap
from .openapi import openapi_schema
from .records import RecordProcessor
from .responses import CallError, status_response
from .store import LocalStore, OutputStore

log = logging.getLogger(__name__)


@dataclass
class Server:
    settings: Settings
    tokens: TokenCheck
    admission: Admission
    store: OutputStore
    processor: RecordProcessor
    engine: Engine


def create_app(settings: Settings, *, engine: Engine | None = None) -> Starlette:
    """The ASGI app; the engine, store and HTTP client live in its lifespan."""
    tokens = TokenCheck(settings.server_tokens)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        own_engine = engine is None
        used = engine or build_engine(settings)
        store = LocalStore(settings.output_dir, ttl=settings.output_ttl_seconds)
        admission = Admission(
            settings.engine_concurrency + settings.queue_size, workers=settings.engine_concurrency
        )
        async with httpx.AsyncClient(timeout=settings.url_timeout_seconds) as client:
            fetcher = UrlFetcher(
                client,
                max_bytes=settings.max_input_bytes,
                timeout=settings.url_timeout_seconds,
                allow=settings.url_allow_networks,
            )
            processor = RecordProcessor(used, store, fetcher, on_cutout=admission.observe)
            app.state.server = Server(settings, tokens, admission, store, processor, used)
            await used.warm_up()
            sweeper = asyncio.create_task(_sweep(store, settings.sweep_interval_seconds))
            try:
                yield
            finally:
                sweeper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sweeper
                if own_engine:
                    used.close()

    routes = [
        Route("/removebg/{model}/removebg", remove, methods=["POST"]),
        Route("/outputs/{key}", output, methods=["GET", "HEAD"]),
        Route("/health", health, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"], include_in_schema=False),
    ]
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[Middleware(RequestCap, limit=settings.max_requests)],
        exception_handlers={CallError: _call_error, 404: _not_found, 405: _not_allowed},
    )


async def remove(request: Request) -> Response:
    """POST /removebg/{precise|fast}/removebg"""
    server: Server = request.app.state.server
    model = _model(request.path_params["model"])
    if not server.tokens.allows(request.headers.get("authorization")):
        raise CallError(401, "a valid 'Authorization: Token <token>' header is required")
    if server.admission.full:
        raise _busy(QueueFullError(server.admission.retry_after()))
    call = _parse(await _body(request, server.settings.max_body_bytes), server.settings)
    try:
        with server.admission.reserve(len(call.records)):
            base_url = server.settings.public_base_url or str(request.base_url)
            answer = await server.processor.answer(call, model, base_url)
    except QueueFullError as exc:
        raise _busy(exc) from exc
    return JSONResponse(answer.dump())


async def output(request: Request) -> Response:
    """GET /outputs/{key}: an output until it expires, then 404."""
    server: Server = request.app.state.server
    stored = await server.store.get(request.path_params["key"])
    if stored is None:
        raise CallError(404, "this output does not exist or has expired (outputs last 24 h)")
    return FileResponse(stored.path, media_type=stored.content_type)


async def health(request: Request) -> Response:
    """GET /health"""
    server: Server = request.app.state.server
    queue = {"pending": server.admission.pending, "capacity": server.admission.capacity}
    return JSONResponse({"status": "ok", "models": server.engine.models, "queue": queue})


async def openapi(request: Request) -> Response:
    """GET /openapi.json"""
    return JSONResponse(openapi_schema())


def _model(name: str) -> Model:
    for model in MODELS:
        if model == name:
            return model
    raise CallError(404, f"unknown model {name!r}; use one of: {', '.join(MODELS)}")


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise CallError(413, f"the request body is larger than {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise CallError(413, f"the request body is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _parse(body: bytes, settings: Settings) -> RemoveBgRequest:
    try:
        call = RemoveBgRequest.model_validate(json.loads(body))
    except ValueError as exc:  # JSONDecodeError and pydantic's ValidationError
        raise CallError(400, _describe(exc)) from exc
    if len(call.records) > settings.max_records:
        raise CallError(400, f"at most {settings.max_records} records are accepted per call")
    return call


def _describe(exc: ValueError) -> str:
    if not isinstance(exc, ValidationError):
        return f"the body is not valid JSON ({exc})"
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"]) or "body"
    return f"{where}: {error['msg']}"


def _busy(exc: QueueFullError) -> CallError:
    return CallError(429, str(exc), headers={"Retry-After": str(exc.retry_after)})


async def _sweep(store: OutputStore, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            gone = await store.sweep()
        except OSError:
            log.exception("sweeping expired outputs failed; will try again")
            continue
        if gone:
            log.info("swept %d expired outputs", gone)


async def _call_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CallError)
    return status_response(exc.code, exc.description, exc.headers)


async def _not_found(request: Request, exc: Exception) -> Response:
    return status_response(404, "no such endpoint")


async def _not_allowed(request: Request, exc: Exception) -> Response:
    return status_response(405, "method not allowed")
