"""`Authorization: Token <t>` checked against the configured tokens in constant time."""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from pydantic import SecretStr

_SCHEME = "token"


class TokenCheck:
    def __init__(self, tokens: Sequence[SecretStr]) -> None:
        if not tokens:
            raise ValueError("the server needs at least one API token (SERVER_TOKENS)")
        self._tokens = [token.get_secret_value().encode() for token in tokens]

    def __repr__(self) -> str:
        return f"TokenCheck({len(self._tokens)} tokens)"

    def allows(self, header: str | None) -> bool:
        scheme, _, given = (header or "").strip().partition(" ")
        candidate = given.strip().encode()
        matched = False
        for token in self._tokens:  # every token is compared, so timing reveals nothing
            matched |= hmac.compare_digest(candidate, token)
        return matched and scheme.lower() == _SCHEME
