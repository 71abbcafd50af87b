"""A Bot API peer on loopback: Telegram for one bot, with tests playing its users.

    with running_peer() as peer:
        bot = telegram.Bot(token, base_url=peer.base_url, base_file_url=peer.base_file_url)
        alice = peer.user("Alice")
        peer.send_text(alice, peer.private_chat(alice), "/start")
        call = await peer.wait_for(called("sendMessage", chat_id=alice.id))

What users do is in `botapi_users.py` (messages, albums, buttons, inline queries), who is in
which chat in `botapi_groups.py`, and the faults a test can arrange in `botapi_faults.py`.

The wire is PTB's: `POST {base_url}{token}/{method}` with form fields (values JSON-encoded,
strings raw) or multipart parts when files go up; files come down from
`GET {base_file_url}{token}/{file_path}`. Errors answer with their HTTP status.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.e2e.botapi_methods import METHODS
from tests.e2e.botapi_objects import (
    JSON,
    ApiError,
    BotMessage,
    BotRequest,
    Call,
    Chat,
    Predicate,
    User,
    called,
)
from tests.e2e.botapi_users import Telegram
from tests.e2e.botapi_wire import read_request

__all__ = ["BotApiPeer", "BotMessage", "Call", "Chat", "User", "called", "running_peer"]

CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is "
    "running"
)


class BotApiPeer(Telegram):
    """`Telegram` served over HTTP by uvicorn in a background thread on a free port."""

    def __init__(
        self,
        *,
        bot_username: str = "cutout_test_bot",
        privacy_mode: bool = True,
        inline_mode: bool = True,
    ):
        super().__init__(
            bot_username=bot_username, privacy_mode=privacy_mode, inline_mode=inline_mode
        )
        self.url = ""
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pollers: set[asyncio.Event] = set()
        self._stopping: asyncio.Event | None = None
        self._poll_generation = 0
        self._closing = False

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    # --- running -------------------------------------------------------------------------------

    def start(self) -> None:
        app = Starlette(
            routes=[
                Route("/bot{token}/{method}", self._bot_method, methods=["GET", "POST"]),
                Route("/file/bot{token}/{file_path:path}", self._download, methods=["GET"]),
            ],
            lifespan=self._lifespan,
        )
        config = uvicorn.Config(
            app, host="127.0.0.1", port=0, log_level="warning", timeout_graceful_shutdown=5
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=asyncio.run, args=(self._server.serve(),))
        self._thread.daemon = True
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the Bot API peer did not start")
            time.sleep(0.01)
        port = self._server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        self._closing = True
        self._notify()
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(30)

    @asynccontextmanager
    async def _lifespan(self, app: Starlette) -> AsyncIterator[None]:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        self.listeners.append(self._notify)
        try:
            yield
        finally:
            self.listeners.remove(self._notify)

    def _notify(self) -> None:
        """From any thread: wake the long polls waiting for updates."""
        if self._loop is not None:
            with suppress(RuntimeError):  # the loop has already closed
                self._loop.call_soon_threadsafe(self._wake_pollers)

    def _wake_pollers(self) -> None:
        for event in self._pollers:
            event.set()
        if self._closing and self._stopping is not None:
            self._stopping.set()

    # --- the test's side -----------------------------------------------------------------------

    async def wait_for(
        self,
        predicate: Predicate,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 - a test helper's deadline, like asyncio.wait_for
        after: int = 0,
    ) -> Call:
        """The first answered call from index `after` on that matches `predicate`.

        Raises TimeoutError, naming the calls seen, when none matches within `timeout` seconds.
        """
        deadline = time.monotonic() + timeout
        while True:
            for call in self.calls()[after:]:
                if predicate(call):
                    return call
            if time.monotonic() > deadline:
                seen = [f"{c.method}:{c.status}" for c in self.calls()[after:]]
                raise TimeoutError(f"no matching call within {timeout}s; calls since: {seen}")
            await asyncio.sleep(0.01)

    # --- the bot's side ------------------------------------------------------------------------

    async def _bot_method(self, request: Request) -> Response:
        arrived = time.monotonic()
        method = request.path_params["method"]
        hung = self.hang_for(method)
        req = BotRequest(method, {}, {})
        try:
            self.see_token(request.path_params["token"])
            req = await read_request(request, method)
            if delay := self.delay_for(method):
                await asyncio.sleep(delay)
            self.check_faults(method, req.params)
            status, body = 200, {"ok": True, "result": await self._answer(req)}
        except ApiError as error:
            status, body = error.error_code, error.body()
        except (AttributeError, KeyError, TypeError, ValueError) as exc:  # a wrong shape
            unread = ApiError(400, f"Bad Request: the peer could not read the request: {exc!r}")
            status, body = unread.error_code, unread.body()
        files = {name: upload.data for name, upload in req.uploads.items()}
        self.record(
            method, req.params, files, arrived=arrived, status=status, response=body, hung=hung
        )
        await self._hold(hung)
        return JSONResponse(body, status_code=status)

    async def _hold(self, seconds: float) -> None:
        """Wait `seconds`, or less if the peer is stopping."""
        if seconds > 0 and self._stopping is not None:
            with suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _answer(self, req: BotRequest) -> Any:
        if req.method.lower() == "getupdates":
            return await self._get_updates(req)
        handler = METHODS.get(req.method.lower())
        if handler is None:
            raise ApiError(404, "Not Found: method not found")

        def answer() -> Any:
            with self.lock:  # one method at a time sees and changes the state
                return handler(self, req)

        return await run_in_threadpool(answer)

    async def _get_updates(self, req: BotRequest) -> list[JSON]:
        """Long polling: confirm below `offset`, then wait up to `timeout` for anything new."""
        self.confirm(req.params.get("offset"))
        self.allow(req.params.get("allowed_updates"))
        limit = min(max(int(req.params.get("limit") or 100), 1), 100)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + float(req.params.get("timeout") or 0)
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake_pollers()  # an older poll still waiting ends with 409
        while True:
            if generation != self._poll_generation:
                raise ApiError(409, CONFLICT)
            event = asyncio.Event()
            self._pollers.add(event)
            try:
                updates = self.updates(limit)
                remaining = deadline - loop.time()
                if updates or self._closing or remaining <= 0:
                    return updates
                with suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), remaining)
            finally:
                self._pollers.discard(event)

    async def _download(self, request: Request) -> Response:
        arrived = time.monotonic()
        path = request.path_params["file_path"]
        try:
            self.see_token(request.path_params["token"])
        except ApiError as error:
            return JSONResponse(error.body(), status_code=error.error_code)
        with self.lock:
            stored = next((f for f in self.files.values() if f.file_path == path), None)
        status = 200 if stored else 404
        body: JSON = {"ok": stored is not None, "file_path": path}
        self.record(
            "download", {"file_path": path}, {}, arrived=arrived, status=status, response=body
        )
        if stored is None:
            return JSONResponse({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        return Response(stored.data, media_type=stored.mime_type)


@contextmanager
def running_peer(
    *, bot_username: str = "cutout_test_bot", privacy_mode: bool = True, inline_mode: bool = True
) -> Iterator[BotApiPeer]:
    """A started `BotApiPeer`, stopped when the block ends."""
    peer = BotApiPeer(
        bot_username=bot_username, privacy_mode=privacy_mode, inline_mode=inline_mode
    )
    peer.start()
    try:
        yield peer
    finally:
        peer.stop()
