"""Faults a test arranges: errors on the next calls, slow answers, answers that never come in
time, and the 403s of chats the bot is not in (see `botapi_groups.py`).

`delay` waits *before* a call takes effect; `hang` lets the call take effect at once and holds
back only its answer, as when Telegram did the work but the reply was lost or late.
"""

from __future__ import annotations

from tests.e2e.botapi_groups import Groups
from tests.e2e.botapi_objects import JSON, ApiError

DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


class Faults(Groups):
    """Failures and waits, per Bot API method (names are case-insensitive)."""

    def fail_next(
        self,
        method: str,
        *,
        error_code: int,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """The next `times` calls of `method` fail with this error, and change nothing.

        Without a `description`, the usual one for `error_code` ("Internal Server Error", ...).
        """
        if error_code == 429:
            if retry_after is None:
                raise ValueError("a 429 needs retry_after")
            description = description or f"Too Many Requests: retry after {retry_after}"
        description = description or DESCRIPTIONS.get(error_code)
        if description is None:
            raise ValueError(f"no usual description for {error_code}; pass one")
        error = ApiError(error_code, description, retry_after=retry_after)
        with self.lock:
            self._faults.setdefault(method.lower(), []).extend([error] * times)

    def delay(self, method: str, seconds: float) -> None:
        """Answer `method` only after `seconds` (0 to stop delaying); the effect waits too."""
        with self.lock:
            self._delays[method.lower()] = seconds

    def hang(self, method: str, seconds: float, *, times: int = 1) -> None:
        """The next `times` calls of `method` take effect at once but are answered `seconds`
        later, so a bot with a shorter read timeout sees a timeout for something that happened.

        The call is recorded when it takes effect, with `Call.hung` set to `seconds`; a message
        sent is in `bot_messages` at once. The answer is dropped if the bot has hung up.
        """
        with self.lock:
            self._hangs.setdefault(method.lower(), []).extend([seconds] * times)

    # --- used while answering ------------------------------------------------------------------

    def delay_for(self, method: str) -> float:
        with self.lock:
            return self._delays.get(method.lower(), 0.0)

    def hang_for(self, method: str) -> float:
        """How long to hold this call's answer back (uses up one `hang`)."""
        with self.lock:
            hangs = self._hangs.get(method.lower())
            return hangs.pop(0) if hangs else 0.0

    def check_faults(self, method: str, params: JSON) -> None:
        with self.lock:
            if faults := self._faults.get(method.lower()):
                raise faults.pop(0)
        if refusal := self.forbidden(method, params.get("chat_id")):
            raise refusal
