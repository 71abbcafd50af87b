"""The catalogues: every language has every text of the bot, translated, with the same
placeholders, markup and plural forms; and the template matches the texts in the code."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from bot.i18n import DEFAULT, LANGUAGES, LOCALES

TRANSLATED = sorted(set(LANGUAGES) - {DEFAULT})
BOT = Path(__file__).parents[1] / "bot"
_TAGS = re.compile(r"</?[a-z]+>")
_COMMANDS = re.compile(r"/[a-z]+\b")


def catalogue(language: str) -> Catalog:
    with (LOCALES / language / "LC_MESSAGES" / "bot.po").open("rb") as po:
        return read_po(po, locale=language)


def in_code() -> dict[str, tuple[str, ...]]:
    """Every text marked in the bot's code, as Babel extracts it (`make messages`)."""
    found: dict[str, tuple[str, ...]] = {}
    keywords = {"N_": None, "P_": (1, 2)}
    for _file, _line, text, _comments, _context in extract_from_dir(BOT, keywords=keywords):
        forms = (text,) if isinstance(text, str) else tuple(str(t) for t in text or () if t)
        found[forms[0]] = forms
    return found


def fields(text: str) -> list[str]:
    return sorted(name for _, name, _, _ in string.Formatter().parse(text) if name is not None)


def texts_of(message: Message) -> tuple[str, ...]:
    said = message.string
    return (said,) if isinstance(said, str) else tuple(str(s) for s in said or ())


def ids_of(message: Message) -> tuple[str, ...]:
    return (message.id,) if isinstance(message.id, str) else tuple(message.id)


def test_the_template_holds_every_text_in_the_code() -> None:
    with (LOCALES / "bot.pot").open("rb") as pot:
        template = read_po(pot)
    kept = {ids_of(m)[0]: ids_of(m) for m in template if m.id}
    assert kept == in_code(), "run `make messages` after changing a text"


def test_every_marked_text_is_found() -> None:
    texts = in_code()
    assert "Mask" in texts
    assert texts["{count} image"] == ("{count} image", "{count} images")
    assert len(texts) > 100


@pytest.mark.parametrize("language", TRANSLATED)
def test_a_catalogue_misses_no_text(language: str) -> None:
    po = catalogue(language)
    have = {ids_of(m)[0]: m for m in po if m.id}
    missing = sorted(set(in_code()) - set(have))
    assert not missing, f"{language} lacks {missing[:5]}"
    untranslated = [m.id for m in have.values() if not all(texts_of(m))]
    assert not untranslated, f"{language} leaves {untranslated[:5]} untranslated"
    fuzzy = [m.id for m in have.values() if m.fuzzy]
    assert not fuzzy, f"{language} has fuzzy entries {fuzzy[:5]}"
    extra = sorted(set(have) - set(in_code()))
    assert not extra, f"{language} has texts the bot no longer says: {extra[:5]}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_placeholders_markup_and_commands_are_unchanged(language: str) -> None:
    for message in catalogue(language):
        if not message.id:
            continue
        source = ids_of(message)[0]
        for said in texts_of(message):
            where = f"{language}: {said!r} for {source!r}"
            assert fields(said) == fields(source), where
            assert sorted(_TAGS.findall(said)) == sorted(_TAGS.findall(source)), where
            assert sorted(_COMMANDS.findall(said)) == sorted(_COMMANDS.findall(source)), where
            assert said.count("\n") == source.count("\n"), where


@pytest.mark.parametrize("language", TRANSLATED)
def test_plurals_have_every_form_of_the_language(language: str) -> None:
    po = catalogue(language)
    rule = get_plural(language)
    assert po.num_plurals == rule.num_plurals
    assert po.plural_expr == rule.plural_expr
    for message in po:
        if message.pluralizable:
            assert len(texts_of(message)) == rule.num_plurals, message.id


def test_plurals_pick_the_form_for_the_number() -> None:
    from bot.i18n import words
    from bot.texts import IMAGES

    said = {n: words("ru")(IMAGES, count=n) for n in (1, 2, 5, 21)}
    assert said[1] != said[2] != said[5]
    assert said[21].replace("21", "1") == said[1]
    assert words("en")(IMAGES, count=1) == "1 image"
    assert words("en")(IMAGES, count=3) == "3 images"
