"""A load scenario for the bot: many users at once, played through the Bot API peer.

    async with LoadRun(peer, Plan(users=50, groups=3)) as run:
        units = await run.finish(timeout=120)

Each of `users` people in a private chat sends `images` images, a photo or a file, after a
small random pause; every `album_every`-th sends them as one album instead. In each of `groups`
groups a member posts a photo, which privacy mode keeps from the bot, and another member
replies /removebg to it. Whenever a choice keyboard replies to what someone sent, they press
the button whose text has "Fast". The pauses come from a seeded RNG, one per person.

A `Unit` is one job as the bot acknowledged it: one choice keyboard. An album is one unit (one
keyboard for all its images); set `ALBUM_IS_ONE_JOB` (or `Plan.album_is_one_job`) to False
for a bot that gives each album item a keyboard of its own. A unit's answers are the
sendDocument and sendMediaGroup calls that reply to one of its images. All times are
`time.monotonic()`, the clock of `Call.time`, which is when a call reached the peer.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from tests.e2e.botapi import BotApiPeer, Call, Chat, User
from tests.images import disc, encode

ALBUM_IS_ONE_JOB = True  # False while each album item got a keyboard of its own
ANSWERS = ("senddocument", "sendmediagroup")
UNFINISHED = ("choosing", "queued", "running")
SIZES = ((320, 240), (240, 320), (256, 256), (300, 200))


@dataclass(frozen=True)
class Plan:
    users: int = 50
    images: int = 2  # per private user
    album_every: int = 5  # every fifth user sends their images as one album; 0: nobody
    groups: int = 3
    members: int = 3  # per group
    group_images: int = 2  # per group: each costs ~7 calls of the group's 20 a minute
    ramp: float = 3.0  # users start within this many seconds
    pause: float = 0.5  # at most this long between one person's actions
    patience: float = 60.0  # how long someone waits for a keyboard before giving up
    seed: int = 7
    album_is_one_job: bool = ALBUM_IS_ONE_JOB

    def sends_album(self, user: int) -> bool:
        return self.album_every > 0 and self.images >= 2 and user % self.album_every == 0

    def expected_images(self) -> int:
        return self.users * self.images + self.groups * self.group_images

    def expected_units(self) -> int:
        albums = sum(self.sends_album(n) for n in range(self.users))
        per_album = 1 if self.album_is_one_job else self.images
        private = (self.users - albums) * self.images + albums * per_album
        return private + self.groups * self.group_images


@dataclass
class Unit:
    """One acknowledged job. `LoadRun.collect` fills in `answers` and `started_at`; the
    benchmark sums `processing_s` from the usage table."""

    chat_id: int
    user_id: int
    sources: tuple[int, ...]  # the images' message ids
    sent_at: float  # the image (or the /removebg command) reached the peer
    keyboard: Call
    pressed_at: float = 0.0
    answers: list[Call] = field(default_factory=list)
    started_at: float | None = None  # the first status edit after the press
    processing_s: float = 0.0  # the usage rows' sum

    @property
    def first_reply_s(self) -> float:
        return self.keyboard.time - self.sent_at

    @property
    def answered_at(self) -> float | None:
        return self.answers[0].time if self.answers else None

    @property
    def documents(self) -> int:
        return sum(len(call.files) for call in self.answers)


async def until(check: Callable[[], bool], timeout: float) -> None:  # noqa: ASYNC109
    """Poll `check` until it holds; TimeoutError after `timeout` seconds."""
    async with asyncio.timeout(timeout):
        while True:
            if check():
                return
            await asyncio.sleep(0.05)


def reply_target(call: Call) -> int | None:
    reply = call.params.get("reply_parameters")
    if isinstance(reply, dict) and "message_id" in reply:
        return int(reply["message_id"])
    value = call.params.get("reply_to_message_id")
    return None if value is None else int(value)


def fast_button(call: Call) -> str | None:
    markup = call.params.get("reply_markup")
    rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
    for button in (b for row in rows for b in row):
        if "Fast" in str(button.get("text")) and "callback_data" in button:
            return str(button["callback_data"])
    return None


class Watcher:
    """Indexes the peer's calls as they come: keyboards and answers by the image they reply
    to, and status edits by message."""

    def __init__(self, peer: BotApiPeer) -> None:
        self.peer = peer
        self.keyboards: dict[tuple[int, int], list[Call]] = {}
        self.answers: dict[tuple[int, int], list[Call]] = {}
        self.edits: dict[tuple[int, int], list[Call]] = {}
        self._seen = 0

    def scan(self) -> None:
        calls = self.peer.calls()
        for call in calls[self._seen :]:
            self._index(call)
        self._seen = len(calls)

    def _index(self, call: Call) -> None:
        chat_id, method = call.params.get("chat_id"), call.method.lower()
        if not call.ok or not isinstance(chat_id, int):
            return
        target = reply_target(call)
        if method == "sendmessage" and target is not None and fast_button(call):
            self.keyboards.setdefault((chat_id, target), []).append(call)
        elif method in ANSWERS and target is not None:
            self.answers.setdefault((chat_id, target), []).append(call)
        elif method == "editmessagetext" and "message_id" in call.params:
            self.edits.setdefault((chat_id, int(call.params["message_id"])), []).append(call)

    async def run(self) -> None:
        while True:
            self.scan()
            await asyncio.sleep(0.01)

    async def keyboards_for(
        self, chat_id: int, sources: tuple[int, ...], count: int, patience: float
    ) -> list[Call]:
        """The first `count` keyboards replying to `sources`, or those seen within `patience`."""
        deadline = time.monotonic() + patience
        while True:
            found = [c for s in sources for c in self.keyboards.get((chat_id, s), [])[:1]]
            if len(found) >= count or time.monotonic() > deadline:
                return sorted(found, key=lambda c: c.seq)[:count]
            await asyncio.sleep(0.02)

    def fill(self, unit: Unit) -> None:
        unit.answers = sorted(
            (c for s in unit.sources for c in self.answers.get((unit.chat_id, s), [])),
            key=lambda c: c.seq,
        )
        message_id = int(unit.keyboard.result["message_id"])
        edits = self.edits.get((unit.chat_id, message_id), [])
        unit.started_at = next((c.time for c in edits if c.time >= unit.pressed_at), None)


class LoadRun:
    """The plan's people acting at once; `units` grows as the bot acknowledges their images."""

    def __init__(self, peer: BotApiPeer, plan: Plan) -> None:
        self.peer = peer
        self.plan = plan
        self.watcher = Watcher(peer)
        self.units: list[Unit] = []
        self.unacknowledged: list[tuple[int, int]] = []  # (chat, message) no keyboard came for
        self.started = 0.0
        self._people: list[asyncio.Task[None]] = []
        self._watching: asyncio.Task[None] | None = None
        self._images = [encode(disc(size), fmt) for size in SIZES for fmt in ("JPEG", "PNG")]

    async def __aenter__(self) -> LoadRun:
        self.started = time.monotonic()
        self._watching = asyncio.create_task(self.watcher.run())
        rng = random.Random(self.plan.seed)
        self._people = [
            asyncio.create_task(self._private_user(n, random.Random(rng.random())))
            for n in range(self.plan.users)
        ]
        self._people += [
            asyncio.create_task(self._group(n, random.Random(rng.random())))
            for n in range(self.plan.groups)
        ]
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        tasks = [*self._people, *([self._watching] if self._watching else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def answered(self) -> int:
        self.watcher.scan()
        return sum(1 for unit in self.units if self._answers_of(unit))

    def _answers_of(self, unit: Unit) -> bool:
        return any((unit.chat_id, s) in self.watcher.answers for s in unit.sources)

    async def wait_answered(self, count: int, timeout: float) -> None:  # noqa: ASYNC109
        """Until at least `count` units have an answer; TimeoutError otherwise."""
        await until(lambda: self.answered() >= count, timeout)

    async def finish(self, timeout: float) -> list[Unit]:  # noqa: ASYNC109
        """Everyone done and every unit answered; the units with their answers filled in."""
        deadline = time.monotonic() + timeout
        async with asyncio.timeout(timeout):
            await asyncio.gather(*self._people)
        await until(lambda: self.answered() >= len(self.units), deadline - time.monotonic())
        return self.collect()

    def collect(self) -> list[Unit]:
        self.watcher.scan()
        for unit in self.units:
            self.watcher.fill(unit)
        return self.units

    # --- the people ----------------------------------------------------------------------------

    async def _private_user(self, n: int, rng: random.Random) -> None:
        user = self.peer.user(f"User{n}")
        chat = self.peer.private_chat(user)
        await asyncio.sleep(rng.uniform(0, self.plan.ramp))
        if self.plan.sends_album(n):
            items = [rng.choice(self._images) for _ in range(self.plan.images)]
            sent = self.peer.send_album(user, chat, items, as_documents=rng.random() < 0.5)
            ids = tuple(int(m["message_id"]) for m in sent)
            expected = 1 if self.plan.album_is_one_job else len(ids)
            await self._choose(user, chat, ids, expected, time.monotonic())
            return
        for _ in range(self.plan.images):
            message = self._send_image(user, chat, rng)
            await self._choose(user, chat, (int(message["message_id"]),), 1, time.monotonic())
            await asyncio.sleep(rng.uniform(0.05, self.plan.pause))

    def _send_image(self, user: User, chat: Chat, rng: random.Random) -> dict[str, Any]:
        data = rng.choice(self._images)
        if rng.random() < 0.5:
            return self.peer.send_photo(user, chat, data)
        png = data.startswith(b"\x89PNG")
        name, mime = ("cut.png", "image/png") if png else ("shot.jpg", "image/jpeg")
        return self.peer.send_document(user, chat, data, name, mime)

    async def _group(self, n: int, rng: random.Random) -> None:
        members = [self.peer.user(f"Group{n}Member{m}") for m in range(self.plan.members)]
        group = self.peer.group(f"Group {n}", creator=members[0])
        await asyncio.sleep(rng.uniform(0, self.plan.ramp))
        for _ in range(self.plan.group_images):
            poster, asker = rng.sample(members, 2) if len(members) > 1 else members * 2
            photo = self.peer.send_photo(poster, group, rng.choice(self._images))
            await asyncio.sleep(rng.uniform(0.05, self.plan.pause))
            self.peer.send_text(asker, group, "/removebg", reply_to=int(photo["message_id"]))
            sent_at = time.monotonic()
            await self._choose(asker, group, (int(photo["message_id"]),), 1, sent_at)
            await asyncio.sleep(rng.uniform(0.05, self.plan.pause))

    async def _choose(
        self, user: User, chat: Chat, ids: tuple[int, ...], expected: int, sent_at: float
    ) -> None:
        """Wait for the keyboards replying to `ids` and press Fast on each."""
        found = await self.watcher.keyboards_for(chat.id, ids, expected, self.plan.patience)
        whole = expected == 1  # one keyboard for all of `ids` (an album as one job)
        covered = set(ids) if whole and found else {reply_target(call) for call in found}
        self.unacknowledged += [(chat.id, i) for i in ids if i not in covered]
        for call in found:
            sources = ids if whole else (reply_target(call) or 0,)
            unit = Unit(chat.id, user.id, sources, sent_at, call)
            self.units.append(unit)
            data = fast_button(call)
            assert data is not None
            self.peer.press(user, chat, int(call.result["message_id"]), data)
            unit.pressed_at = time.monotonic()


# --- the database, as another process would read it ----------------------------------------


@dataclass(frozen=True)
class Ledger:
    jobs: list[dict[str, Any]]
    usage: list[dict[str, Any]]

    def unfinished(self) -> list[dict[str, Any]]:
        return [job for job in self.jobs if job["state"] in UNFINISHED]


def read_ledger(database: Path) -> Ledger:
    with contextlib.closing(sqlite3.connect(database)) as conn:
        conn.row_factory = sqlite3.Row
        jobs = [dict(row) for row in conn.execute("SELECT * FROM jobs ORDER BY created_at")]
        usage = [dict(row) for row in conn.execute("SELECT * FROM usage ORDER BY id")]
    return Ledger(jobs, usage)


async def wait_settled(database: Path, timeout: float) -> Ledger:  # noqa: ASYNC109
    """The ledger once no job is queued or running (a 'choosing' one waits for its user)."""
    async with asyncio.timeout(timeout):
        while True:
            ledger = await asyncio.to_thread(read_ledger, database)
            if not any(job["state"] in ("queued", "running") for job in ledger.jobs):
                return ledger
            await asyncio.sleep(0.1)
