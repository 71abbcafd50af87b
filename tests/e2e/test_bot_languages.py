"""The bot's languages end to end, with the real fast engine: the Telegram app's language, a
/language choice saved, a group's language set by its admins, and the commands' menu."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path
from typing import Any

from bot import texts
from bot.i18n import LANGUAGES, Plural, words
from tests.e2e.botapi import BotApiPeer, Call, called
from tests.e2e.harness import bot_settings, button, local_backend, running_bot, usage_rows
from tests.images import disc, encode


def said(calls: list[Call]) -> list[str]:
    """Every text the bot showed: messages, captions, buttons and toasts."""
    found: list[str] = []
    for call in calls:
        for key in ("text", "caption", "title", "description"):
            if isinstance(call.params.get(key), str):
                found.append(call.params[key])
        markup: Any = call.params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        for row in (markup or {}).get("inline_keyboard", []):
            found += [b["text"] for b in row]
    return found


def english_left(language: str, shown: list[str]) -> list[str]:
    """The English parts of the bot's texts (those the language words otherwise) found in
    what was shown: each text's words between its placeholders, as whole words."""
    t = words(language)
    english: set[str] = set()
    for name in dir(texts):
        value = getattr(texts, name)
        for text in value.values() if isinstance(value, dict) else [value]:
            if isinstance(text, Plural):
                names = {name for _, name, _, _ in string.Formatter().parse(text.many) if name}
                kept = {name: f"{{{name}}}" for name in names - {"count"}}
                source, translated = text.many, t(text, count=5, **kept)
            elif isinstance(text, str):
                source, translated = text, t(text)
            else:
                continue
            if translated == source.replace("{count}", "5"):
                continue  # the same words in this language
            for literal, *_ in string.Formatter().parse(source):
                english |= {part.strip() for part in literal.split("\n") if len(part.strip()) > 2}
    alone = {piece: re.compile(rf"(?<!\w){re.escape(piece)}(?!\w)") for piece in english}
    return sorted(
        {piece for piece, found in alone.items() for text in shown if found.search(text)}
    )


def test_english_left_finds_english_words_only() -> None:
    assert english_left("ru", ["☑ Mask", "Готово"]) == ["Mask"]
    assert english_left("ru", ["3 images"]) == ["images"]
    assert english_left("es", ["Transparente"]) == []  # a word of its own, not "Transparent"
    assert english_left("ru", [words("ru")(texts.START)]) == []


async def test_a_russian_app_gets_russian_from_start_to_result(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    ivan = peer.user("Ivan", language_code="ru")
    chat = peer.private_chat(ivan)
    ru = words("ru")
    async with running_bot(settings, local_backend(models_dir)):
        peer.send_text(ivan, chat, "/start")
        await peer.wait_for(called("sendMessage", chat_id=chat.id, ok=True))
        seq = len(peer.calls())
        peer.send_photo(ivan, chat, encode(disc(), "JPEG"))
        await peer.wait_for(called("sendMessage", chat_id=chat.id, ok=True), after=seq)
        for opening in (texts.BACKGROUND_NAMES[""], texts.CROP_NAMES[""]):
            seq = len(peer.calls())
            peer.press(ivan, chat, *button(peer, chat, ru(opening)))
            await peer.wait_for(called("editMessageReplyMarkup", ok=True), after=seq)
            seq = len(peer.calls())
            peer.press(ivan, chat, *button(peer, chat, ru(texts.BACK)))
            await peer.wait_for(called("editMessageReplyMarkup", ok=True), after=seq)
        peer.press(ivan, chat, *button(peer, chat, ru(texts.MODEL_NAMES["fast"])))
        await peer.wait_for(called("sendDocument", chat_id=chat.id, ok=True), timeout=30)
        done = ru(texts.REDO_WITH, model=ru(texts.MODEL_NAMES["precise"]))
        await peer.wait_for(lambda c: done in str(c.params.get("reply_markup")), timeout=10)
        for command in ("/settings", "/usage", "/help"):
            seq = len(peer.calls())
            peer.send_text(ivan, chat, command)
            await peer.wait_for(called("sendMessage", chat_id=chat.id, ok=True), after=seq)
    shown = said(peer.calls())
    assert ru(texts.START) in shown
    assert ru(texts.CHOOSE) + "\n\n" + ru(texts.PHOTO_TIP) in shown
    assert any(text.startswith("✅ Быстрая · ") for text in shown)
    assert any(text.startswith(ru(texts.USAGE).split("\n")[0]) for text in shown)
    assert english_left("ru", shown) == []
    [row] = usage_rows(settings.bot.database_path)
    assert json.loads(row["options"])["language"] == "ru"


async def test_language_is_chosen_saved_and_given_back_to_the_app(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    ana = peer.user("Ana", language_code="pt-br")
    chat = peer.private_chat(ana)
    async with running_bot(settings, local_backend(models_dir)):
        peer.send_text(ana, chat, "/language")
        asked = await peer.wait_for(called("sendMessage", chat_id=chat.id, ok=True))
        assert asked.params["text"] == words("pt_BR")(texts.LANGUAGE)
        toasts = []
        for forged in (f"lang:{ana.id}:klingon", "lang:1:de"):  # no such language; not hers
            seq = len(peer.calls())
            peer.press_forged(ana, chat, asked.result["message_id"], forged)
            toasts.append(await peer.wait_for(called("answerCallbackQuery"), after=seq))
        pt = words("pt_BR")
        assert [c.params["text"] for c in toasts] == [pt(texts.STALE_BUTTON), pt(texts.NOT_YOURS)]
        seq = len(peer.calls())
        peer.press(ana, chat, *button(peer, chat, "Deutsch"))
        edited = await peer.wait_for(called("editMessageText", ok=True), after=seq)
        assert edited.params["text"] == "Erledigt! Ab jetzt spreche ich Deutsch."
        assert "✓ Deutsch" in str(edited.params["reply_markup"])

    async with running_bot(settings, local_backend(models_dir)):  # kept across a restart
        seq = len(peer.calls())
        peer.send_document(ana, chat, encode(disc(), "PNG"), "a.png", "image/png")
        choice = await peer.wait_for(called("sendMessage", chat_id=chat.id, ok=True), after=seq)
        assert choice.params["text"] == words("de")(texts.CHOOSE)
        seq = len(peer.calls())
        peer.send_text(ana, chat, "/language")
        await peer.wait_for(called("sendMessage", chat_id=chat.id, ok=True), after=seq)
        seq = len(peer.calls())
        peer.press(ana, chat, *button(peer, chat, words("de")(texts.LANGUAGE_AUTO)))
        edited = await peer.wait_for(called("editMessageText", ok=True), after=seq)
    assert edited.params["text"] == words("pt_BR")(texts.LANGUAGE_SAVED)  # the app's again


async def test_a_group_speaks_what_its_admins_chose_to_everyone(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    boss = peer.user("Boss", language_code="en")
    olga = peer.user("Olga", language_code="uk")
    group = peer.group("Tienda", creator=boss)
    uk, es = words("uk"), words("es")
    async with running_bot(settings, local_backend(models_dir)):
        peer.send_text(olga, group, "/language")  # not an admin: refused in her language
        refused = await peer.wait_for(called("sendMessage", chat_id=group.id, ok=True))
        assert refused.params["text"] == uk(texts.GROUP_LANGUAGE_ADMINS_ONLY)

        seq = len(peer.calls())
        peer.send_photo(olga, group, encode(disc(), "JPEG"), caption="/removebg")
        ask = await peer.wait_for(called("sendMessage", chat_id=group.id, ok=True), after=seq)
        assert ask.params["text"] == uk(texts.CHOOSE)  # no choice yet: each person's own

        seq = len(peer.calls())
        peer.send_text(boss, group, "/language")
        await peer.wait_for(called("sendMessage", chat_id=group.id, ok=True), after=seq)
        seq = len(peer.calls())
        peer.press(olga, group, *button(peer, group, "Español"))  # not hers to press
        toast = await peer.wait_for(called("answerCallbackQuery"), after=seq)
        assert toast.params["text"] == uk(texts.GROUP_LANGUAGE_ADMINS_ONLY)
        seq = len(peer.calls())
        peer.press(boss, group, *button(peer, group, "Español"))
        edited = await peer.wait_for(called("editMessageText", ok=True), after=seq)
        assert edited.params["text"] == es(texts.LANGUAGE_SAVED)

        spanish = seq = len(peer.calls())
        peer.send_photo(olga, group, encode(disc(), "JPEG"), caption="/removebg")
        ask = await peer.wait_for(called("sendMessage", chat_id=group.id, ok=True), after=seq)
        assert ask.params["text"] == es(texts.CHOOSE)
        peer.press(olga, group, *button(peer, group, es(texts.MODEL_NAMES["fast"])))
        await peer.wait_for(called("sendDocument", chat_id=group.id, ok=True), timeout=30)
        done = es(texts.REDO_WITH, model=es(texts.MODEL_NAMES["precise"]))
        await peer.wait_for(lambda c: done in str(c.params.get("reply_markup")), timeout=10)
    assert english_left("es", said(peer.calls()[spanish:])) == []


async def test_the_commands_menu_is_set_in_every_language(
    peer: BotApiPeer, tmp_path: Path, models_dir: Path
) -> None:
    settings = bot_settings(peer, tmp_path, models_dir)
    async with running_bot(settings, local_backend(models_dir)):
        pass
    codes = {"" if language == "en" else language.split("_")[0] for language in LANGUAGES}
    assert set(peer.commands) == codes
    for commands in peer.commands.values():
        assert [c["command"] for c in commands] == list(texts.COMMANDS)
    english = {c["command"]: c["description"] for c in peer.commands[""]}
    assert english["language"] == "Change my language"
    for language in set(LANGUAGES) - {"en"}:
        described = {c["command"]: c["description"] for c in peer.commands[language[:2]]}
        assert described == {
            name: words(language)(about) for name, about in texts.COMMANDS.items()
        }
        assert described != english
