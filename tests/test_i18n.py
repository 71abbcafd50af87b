"""Languages: Telegram's codes to ours, numbers and waits in each language, catalogues read
compiled or straight from their .po, and no text for users written outside the catalogues."""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest

from bot import i18n, texts
from bot.i18n import LANGUAGES, language_for, words
from bot.looks import colour_of

BOT = Path(__file__).parents[1] / "bot"
# Calls whose text reaches a user, and where that text sits (argument index or keyword).
SINKS = {
    "reply_text": 0,
    "send_message": 1,
    "edit_message_text": 0,
    "answer": 0,
    "say": 2,
    "edit_status": 2,
    "show": 0,
    "InlineKeyboardButton": 0,
    "_button": 0,
    "BotCommand": 1,
    "JobFailure": 0,
}
KEYWORDS = {"text", "caption", "title", "description"}
_WORD = re.compile(r"[^\W\d_A-Z]{2}")  # two small letters: a word (not "PNG" or "UTC")


@pytest.mark.parametrize(
    ("code", "ours"),
    [
        ("en", "en"),
        ("en-GB", "en"),
        ("pt-br", "pt_BR"),
        ("pt", "pt_BR"),
        ("pt-PT", "pt_BR"),
        ("es-419", "es"),
        ("uk", "uk"),
        ("id", "id"),
        ("zh-hans", "en"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_telegram_codes_become_our_languages(code: str | None, ours: str) -> None:
    assert language_for(code) == ours


def test_numbers_and_waits_are_said_the_language_way() -> None:
    assert words("en").number(1.25) == "1.2"
    assert words("de").number(1.25) == "1,2"
    assert words("en").percent(0.035, 1) == "3.5%"
    assert words("en").percent(0.25) == "25%"
    assert words("de").percent(0.035, 1) == "3,5%"
    assert words("en").within(30) == "in 30 seconds"
    assert words("en").within(600) == "in 10 minutes"
    assert words("en").within(5 * 3600 + 600) == "in 5 hours"
    assert words("uk").within(60 * 21) == "через 21 хвилину"
    assert words("pt_BR").within(45) == "em 45 segundos"


def test_an_unknown_language_speaks_english() -> None:
    assert words("xx").language == "en"
    assert words("xx")(texts.CHOOSE) == texts.CHOOSE


def test_each_language_says_each_text_its_own_way() -> None:
    for language in set(LANGUAGES) - {"en"}:
        t = words(language)
        assert t(texts.START) != texts.START, language
        assert t(texts.UNITS, count=2) != "2 units", language


def test_a_catalogue_without_its_compiled_file_is_read_from_the_po(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    po = i18n.LOCALES / "fr" / "LC_MESSAGES" / "bot.po"
    copy = tmp_path / "fr" / "LC_MESSAGES" / "bot.po"
    copy.parent.mkdir(parents=True)
    shutil.copy(po, copy)
    monkeypatch.setattr(i18n, "LOCALES", tmp_path)
    from_po = i18n._catalogue("fr")
    assert not copy.with_suffix(".mo").exists()
    assert from_po.gettext(texts.CHOOSE) == words("fr")(texts.CHOOSE) != texts.CHOOSE


def test_typed_colour_names_work_in_the_user_language_too() -> None:
    assert colour_of("navy", words("ru")) == "#000080"
    assert colour_of(" Bleu Marine ", words("fr")) == "#000080"
    assert colour_of("Doré", words("fr")) == colour_of("dore", words("fr")) == "#FFD700"
    assert colour_of("#f80", words("de")) == "#FF8800"
    assert colour_of("blau", words("en")) is None  # German words for German readers only
    assert colour_of("Coklat", words("id")) == colour_of("cokelat", words("id")) == "#6D4C41"
    assert colour_of("no such colour", words("de")) is None


def _literal_text(node: ast.expr) -> str | None:
    """A string written in the code, or the literal parts of an f-string."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value
            for v in node.values
            if isinstance(v, ast.Constant) and isinstance(v.value, str)
        )
    return None


def _written_for_users(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        args: list[ast.expr] = [k.value for k in node.keywords if k.arg in KEYWORDS]
        if name in SINKS and len(node.args) > SINKS[name]:
            args.append(node.args[SINKS[name]])
        for arg in args:
            text = _literal_text(arg)
            if text is not None and _WORD.search(text):
                found.append(f"line {node.lineno}: {text!r}")
    return sorted(found)


def test_no_text_for_users_is_written_outside_the_catalogues() -> None:
    """Every message, button, toast and command description comes from `texts`, through a
    language; a string written where it is sent is a text no language translates."""
    found = {
        path.name: hits
        for path in sorted(BOT.glob("*.py"))
        if (hits := _written_for_users(ast.parse(path.read_text())))
    }
    assert found == {}


def test_the_check_for_written_texts_finds_them() -> None:
    code = 'async def f(m, t):\n    await m.reply_text("Hello")\n    await m.reply_text(t(X))\n'
    code += '    b = _button(f"Redo with {x}", "redo", j)\n    InlineKeyboardButton("✓", url=u)\n'
    assert _written_for_users(ast.parse(code)) == ["line 2: 'Hello'", "line 4: 'Redo with '"]


def test_every_text_is_marked_for_the_catalogues() -> None:
    """Each of `texts`' strings is in a N_() or P_() (or has no words to translate)."""
    tree = ast.parse((BOT / "texts.py").read_text())
    unmarked = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("N_", "P_"):
            continue
        for child in ast.iter_child_nodes(node):
            text = _literal_text(child) if isinstance(child, ast.expr) else None
            if text is None or not any(c.isalpha() for c in text):
                continue
            if isinstance(node, ast.Dict) and child in node.keys:
                continue  # keys name things for the code
            if isinstance(node, ast.Expr):
                continue  # docstrings
            unmarked.append(text)
    assert unmarked == []
