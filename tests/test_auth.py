"""TokenCheck: which `Authorization` headers name a configured token."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from services.server.auth import TokenCheck

SHORT = "short-token-1"
LONG = "L" * 80  # Ximilar's client sends tokens of 70+ characters as `JWT <token>`


@pytest.fixture
def check() -> TokenCheck:
    return TokenCheck([SecretStr(SHORT), SecretStr(LONG)])


@pytest.mark.parametrize(
    "header",
    [
        f"Token {SHORT}",
        f"token {SHORT}",
        f"Token {LONG}",
        f"JWT {LONG}",
        f"jwt {LONG}",
        f"JWT {SHORT}",
        f"  JWT  {LONG} ",
    ],
)
def test_token_and_jwt_schemes_name_the_configured_tokens(check: TokenCheck, header: str) -> None:
    assert check.allows(header)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "JWT",
        "JWT ",
        f"Bearer {LONG}",
        LONG,
        f"JWT {LONG}x",
        f"JWT {LONG[:-1]}",
        f"Token {SHORT[:-1]}",
        f"JWT{LONG}",
        "JWT wrong",
    ],
)
def test_other_headers_are_refused(check: TokenCheck, header: str | None) -> None:
    assert not check.allows(header)


def test_the_tokens_stay_out_of_repr(check: TokenCheck) -> None:
    assert SHORT not in repr(check)
    assert LONG not in repr(check)
