"""The bot's languages: gettext catalogues (Babel) under `bot/locales`, chosen per user or group.

Texts are marked where they are written (`N_`, and `P_` for a text with a number) and
translated where they are said, by a `Words` for the reader's language.
"""

from __future__ import annotations

import functools
import io
import logging
import math
from datetime import timedelta
from pathlib import Path
from typing import Literal, NamedTuple

from babel import Locale
from babel.dates import format_timedelta
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import NullTranslations, Translations

log = logging.getLogger(__name__)
LOCALES = Path(__file__).parent / "locales"
DOMAIN = "bot"
DEFAULT = "en"
# Ours, by their own names; the keys are gettext's (and Babel's) names for them.
LANGUAGES = {
    "en": "English",
    "es": "Español",
    "pt_BR": "Português (Brasil)",
    "ru": "Русский",
    "uk": "Українська",
    "de": "Deutsch",
    "fr": "Français",
    "id": "Bahasa Indonesia",
}


class Plural(NamedTuple):
    """A text with a `{count}`, in English's two forms; other languages have their own."""

    one: str
    many: str


def N_(text: str) -> str:
    """Marks a text for the catalogues; it is translated when said."""
    return text


def P_(one: str, many: str) -> Plural:
    """Marks a text with a `{count}` for the catalogues, with its plural."""
    return Plural(one, many)


def language_for(code: str | None) -> str:
    """Ours for Telegram's `language_code` (an IETF tag such as "pt-br" or "es-419"), or
    English: a regional variant we lack takes its language, and Portuguese is Brazil's."""
    if not code:
        return DEFAULT
    tag = code.replace("-", "_").lower()
    for ours in LANGUAGES:
        if ours.lower() == tag:
            return ours
    base = tag.split("_")[0]
    for ours in LANGUAGES:
        if ours.split("_")[0] == base:
            return ours
    return DEFAULT


class Words:
    """One language's texts, numbers and durations."""

    def __init__(self, language: str, catalogue: NullTranslations) -> None:
        self.language = language
        self.locale = Locale.parse(language)
        self._catalogue = catalogue

    def __call__(self, text: str | Plural, /, **values: object) -> str:
        """`text` in this language, its `{placeholders}` filled; a Plural needs `count`."""
        if isinstance(text, Plural):
            count = values["count"]
            assert isinstance(count, int)
            said = self._catalogue.ngettext(text.one, text.many, count)
        else:
            said = self._catalogue.gettext(text)
        return said.format(**values) if values else said

    def number(self, value: float, digits: int = 1) -> str:
        """1.5 as "1.5" in English and "1,5" in German."""
        return format_decimal(value, _pattern(digits), locale=self.locale)

    def percent(self, fraction: float, digits: int = 0) -> str:
        """0.035 as "3.5%" in English and "3,5%" in German."""
        return format_percent(fraction, _pattern(digits) + "%", locale=self.locale)

    def within(self, seconds: float) -> str:
        """A wait as the language says it: "in 45 seconds", "через 12 минут", "in 5 Stunden"."""
        seconds = math.ceil(seconds)
        unit: Literal["second", "minute", "hour"]
        if seconds < 90:
            unit, delta = "second", timedelta(seconds=seconds)
        elif seconds < 90 * 60:
            unit, delta = "minute", timedelta(minutes=math.ceil(seconds / 60))
        else:
            unit, delta = "hour", timedelta(hours=round(seconds / 3600))
        return format_timedelta(
            delta, granularity=unit, threshold=math.inf, add_direction=True, locale=self.locale
        )


def _pattern(digits: int) -> str:
    return "0." + "0" * digits if digits else "0"


@functools.cache
def words(language: str) -> Words:
    """The texts for one of LANGUAGES (English for any other)."""
    if language not in LANGUAGES:
        language = DEFAULT
    return Words(language, _catalogue(language))


def _catalogue(language: str) -> NullTranslations:
    """The compiled catalogue (`make` compiles them); a missing or stale one is compiled in
    memory from its .po, so a checkout without `make` still speaks every language."""
    if language == DEFAULT:
        return NullTranslations()  # the texts are written in English
    po = LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    mo = po.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as compiled:
            return Translations(compiled, domain=DOMAIN)
    log.info("compiling the %s catalogue in memory; `make` compiles it once", language)
    with po.open("rb") as source:
        catalogue = read_po(source, locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalogue)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)
