"""The Remove Background contract over HTTP (Starlette)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..config import ServerSettings, Settings
from ..contract.wire import MODELS, Model, RemoveBgAnswer
from ..engine import Engine
from ..factory import build_engine
from .admission import Admission, QueueFullError
from .auth import TokenCheck
from .calls import declared_size, parse_call, read_body
from .fetch import UrlFetcher
from .inflight import RequestCap
from .metrics import CONTENT_TYPE as METRICS_TYPE
from .metrics import ServerMetrics
from .openapi import openapi_schema
from .outputs import output, output_base
from .records import RecordProcessor
from .responses import CallError, Stopwatch, request_id_of, status_response
from .s3store import open_s3
from .store import LocalStore, OutputStore, StoreUnavailableError

log = logging.getLogger(__name__)
UNCAPPED = frozenset(
    {"/health", "/health/live", "/health/ready", "/metrics"}
)  # served even when MAX_REQUESTS are in flight


@dataclass
class Server:
    settings: ServerSettings
    tokens: TokenCheck
    admission: Admission
    store: OutputStore
    processor: RecordProcessor
    engine: Engine
    metrics: ServerMetrics


def create_app(settings: Settings, *, engine: Engine | None = None) -> Starlette:
    """The ASGI app; the engine, store and HTTP client live in its lifespan."""
    tokens = TokenCheck(settings.server.server_tokens)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        own_engine = engine is None
        used = engine or build_engine(settings.engine)
        store = open_store(settings.server)
        admission = Admission(
            workers=settings.engine.engine_concurrency,
            queue_size=settings.server.queue_size,
            body_budget=settings.server.body_memory_bytes,
            max_wait=settings.server.queue_wait_seconds,
        )
        async with httpx.AsyncClient(timeout=settings.server.url_timeout_seconds) as client:
            fetcher = UrlFetcher(
                client,
                max_bytes=settings.engine.max_input_bytes,
                timeout=settings.server.url_timeout_seconds,
                allow=settings.server.url_allow_networks,
            )
            metrics = ServerMetrics(admission)
            processor = RecordProcessor(
                used, store, fetcher, on_cutout=admission.observe, watch=metrics
            )
            app.state.server = Server(
                settings.server, tokens, admission, store, processor, used, metrics
            )
            await used.warm_up()
            sweeper = asyncio.create_task(_sweep(store, settings.server.sweep_interval_seconds))
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
        Route("/health/live", health, methods=["GET"]),
        Route("/health/ready", ready, methods=["GET"]),
        Route("/metrics", metrics_text, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"], include_in_schema=False),
    ]
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[
            Middleware(Stopwatch),
            Middleware(RequestCap, limit=settings.server.max_requests, exempt=UNCAPPED),
        ],
        exception_handlers={
            CallError: _call_error,
            404: _not_found,
            405: _not_allowed,
            Exception: _failed,
        },
    )


async def remove(request: Request) -> Response:
    """POST /removebg/{precise|fast}/removebg"""
    server: Server = request.app.state.server
    name = request.path_params["model"]
    code = 500
    try:
        answer = await _answer(request, server, _model(name))
        code = 200
    except CallError as exc:
        code = exc.code
        raise
    finally:
        server.metrics.calls.labels(name if name in MODELS else "other", str(code)).inc()
    for record in answer.records:
        server.metrics.records.labels(name, str(record.status.code if record.status else 0)).inc()
    return JSONResponse(answer.dump())


async def _answer(request: Request, server: Server, model: Model) -> RemoveBgAnswer:
    settings = server.settings
    if not server.tokens.allows(request.headers.get("authorization")):
        raise CallError(401, "a valid 'Authorization: Token <token>' header is required")
    size = declared_size(request, settings.max_body_bytes)
    try:
        caller = request.client.host if request.client else None
        async with server.admission.enter(size, client=caller) as ticket:
            body = await read_body(
                request,
                size,
                grace=settings.body_timeout_seconds,
                rate=settings.min_upload_bytes_per_second,
            )
            call = await asyncio.to_thread(parse_call, body, max_records=settings.max_records)
            await ticket.grow(len(call.records))
            base_url = output_base(request, settings)
            request_id = request_id_of(request)
            return await server.processor.answer(call, model, base_url, request_id=request_id)
    except QueueFullError as exc:
        raise CallError(429, str(exc), headers={"Retry-After": str(exc.retry_after)}) from exc


async def health(request: Request) -> Response:
    """GET /health"""
    server: Server = request.app.state.server
    admission = server.admission
    queue = {
        "pending": admission.pending,
        "capacity": admission.capacity,
        "waiting": admission.waiting,
        "body_bytes": admission.held,
    }
    return JSONResponse({"status": "ok", "models": server.engine.models, "queue": queue})


async def ready(request: Request) -> Response:
    """GET /health/ready: 200 when the output store answers, else 503"""
    server: Server = request.app.state.server
    if not await server.store.ready():
        return status_response(request, 503, "the output store can't be reached")
    return JSONResponse({"status": "ready"})


def open_store(settings: ServerSettings) -> OutputStore:
    """The output store that OUTPUT_STORE names."""
    ttl = settings.output_ttl_seconds
    if settings.output_store == "local":
        return LocalStore(settings.output_dir, ttl=ttl)
    key, secret = settings.aws_access_key_id, settings.aws_secret_access_key
    return open_s3(
        settings.output_store,
        ttl=ttl,
        endpoint=settings.s3_endpoint_url,
        region=settings.aws_region,
        access_key_id=key.get_secret_value() if key else None,
        secret_access_key=secret.get_secret_value() if secret else None,
        public_base=settings.public_base_url,
    )


async def metrics_text(request: Request) -> Response:
    """GET /metrics, in Prometheus' text format"""
    server: Server = request.app.state.server
    return Response(server.metrics.render(), media_type=METRICS_TYPE)


async def openapi(request: Request) -> Response:
    """GET /openapi.json"""
    return JSONResponse(openapi_schema())


def _model(name: str) -> Model:
    for model in MODELS:
        if model == name:
            return model
    raise CallError(404, f"unknown model {name!r}; use one of: {', '.join(MODELS)}")


async def _sweep(store: OutputStore, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            gone = await store.sweep()
        except (OSError, StoreUnavailableError):
            log.exception("sweeping expired outputs failed; will try again")
            continue
        if gone:
            log.info("swept %d expired outputs", gone)


async def _call_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CallError)
    return status_response(request, exc.code, exc.description, exc.headers)


async def _not_found(request: Request, exc: Exception) -> Response:
    return status_response(request, 404, "no such endpoint")


async def _not_allowed(request: Request, exc: Exception) -> Response:
    return status_response(request, 405, "method not allowed")


async def _failed(request: Request, exc: Exception) -> Response:
    """A fault of ours: the contract's JSON, never a traceback (the log has it)."""
    return status_response(request, 500, "the server failed; please try again")
