"""What the bot waits for from someone after a menu button: a colour, or a photo, for a job's
background, or a colour for someone's defaults. Kept in memory: after a restart the user taps
the button again."""

from __future__ import annotations

import time
from dataclasses import dataclass

from .keyboards import Action

WAIT_SECONDS = 15 * 60


@dataclass(frozen=True)
class Awaited:
    batch_id: str  # the job's batch; "" for a colour for `defaults`
    what: str  # "colour" or "photo"
    defaults: Action | None = None  # the /settings button asking for a default colour


class AwaitedInputs:
    def __init__(self, wait: float = WAIT_SECONDS) -> None:
        self._wait = wait
        self._by_person: dict[tuple[int, int], tuple[Awaited, float]] = {}

    def expect(self, chat_id: int, user_id: int, awaited: Awaited) -> None:
        """From now on, this person's next colour or photo in this chat is for `awaited`."""
        now = time.monotonic()
        self._by_person = {k: v for k, v in self._by_person.items() if v[1] > now}
        self._by_person[(chat_id, user_id)] = (awaited, now + self._wait)

    def take(self, chat_id: int, user_id: int, what: str) -> Awaited | None:
        """The `what` this person owes in this chat, if any and not expired; it is then done."""
        found = self._by_person.get((chat_id, user_id))
        if found is None or found[0].what != what or found[1] <= time.monotonic():
            return None
        del self._by_person[(chat_id, user_id)]
        return found[0]

    def cancel(self, chat_id: int, user_id: int) -> None:
        self._by_person.pop((chat_id, user_id), None)
