"""`Authorization: Token <t>` or `JWT <t>`, checked against the configured tokens in constant time.

Ximilar's own Python client sends tokens of 70 characters or more as `JWT <t>`, so both schemes
name the same configured tokens.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

from pydantic import SecretStr

_SCHEMES = ("token", "jwt")


class TokenCheck:
    def __init__(self, tokens: Sequence[SecretStr]) -> None:
        if not tokens:
            raise ValueError("the server needs at least one API token (SERVER_TOKENS)")
        self._digests = [_digest(token.get_secret_value()) for token in tokens]

    def __repr__(self) -> str:
        return f"TokenCheck({len(self._digests)} tokens)"

    def allows(self, header: str | None) -> bool:
        scheme, _, given = (header or "").strip().partition(" ")
        candidate = _digest(given.strip())  # equal lengths: not even the length leaks
        matched = False
        for digest in self._digests:  # every token is compared, so timing reveals nothing
            matched |= hmac.compare_digest(candidate, digest)
        return matched and scheme.lower() in _SCHEMES


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()
