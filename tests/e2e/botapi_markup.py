"""Telegram's formatting: check `parse_mode` text like the Bot API does and render it plain.

Only the failures a bot meets in practice: unsupported or unbalanced HTML tags, and MarkdownV2
reserved characters left unescaped or entities left open. The rendered text drops the markup,
as a user sees it; entities are not reported back.
"""

from __future__ import annotations

from html.parser import HTMLParser

from tests.e2e.botapi_objects import ApiError, bad_request

HTML_TAGS = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a"}
    | {"code", "pre", "blockquote", "tg-emoji"}
)
RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
MARKERS = {"*": "Bold", "__": "Underline", "_": "Italic", "~": "Strikethrough", "||": "Spoiler"}


def render(text: str, parse_mode: str | None) -> str:
    """The text a user sees, or the Bot API's "can't parse entities" error."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        return _render_html(text)
    if mode == "markdownv2":
        return _render_markdown_v2(text)
    return text


def _parse_error(reason: str) -> ApiError:
    return bad_request(f"can't parse entities: {reason}")


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode())


class _TelegramHTML(HTMLParser):
    def __init__(self, source: str):
        super().__init__(convert_charrefs=True)
        self.source = source
        self.line_starts = [0]
        for line in source.splitlines(keepends=True):
            self.line_starts.append(self.line_starts[-1] + len(line))
        self.open: list[str] = []
        self.parts: list[str] = []

    def position(self) -> int:
        line, column = self.getpos()
        return _byte_offset(self.source, self.line_starts[line - 1] + column)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in HTML_TAGS:
            raise _parse_error(f'Unsupported start tag "{tag}" at byte offset {self.position()}')
        self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise _parse_error(f'Unsupported start tag "{tag}" at byte offset {self.position()}')

    def handle_endtag(self, tag: str) -> None:
        if not self.open:
            raise _parse_error(f"Unexpected end tag at byte offset {self.position()}")
        expected = self.open.pop()
        if expected != tag:
            raise _parse_error(
                f'Unmatched end tag at byte offset {self.position()}, expected "</{expected}>", '
                f'found "</{tag}>"'
            )

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _render_html(text: str) -> str:
    parser = _TelegramHTML(text)
    parser.feed(text)
    parser.close()
    if parser.open:
        raise _parse_error(f'Can\'t find end tag corresponding to start tag "{parser.open[0]}"')
    return "".join(parser.parts)


def _closing(text: str, start: int, marker: str) -> int:
    """Index of the next unescaped `marker` at or after `start`, or -1."""
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
        elif text.startswith(marker, i):
            return i
        else:
            i += 1
    return -1


def _unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            i += 1
        out.append(text[i])
        i += 1
    return "".join(out)


def _render_markdown_v2(text: str) -> str:
    out: list[str] = []
    opened: dict[str, int] = {}  # marker -> index where it opened
    i = 0
    while i < len(text):
        char = text[i]
        marker = next((m for m in MARKERS if text.startswith(m, i)), None)
        fence = "```" if text.startswith("```", i) else "`"
        if char == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
        elif char == "`":
            end = _closing(text, i + len(fence), fence)
            if end < 0:
                name = "Pre" if fence == "```" else "Code"
                raise _parse_error(
                    f"Can't find end of {name} entity at byte offset {_byte_offset(text, i)}"
                )
            body = text[i + len(fence) : end]
            if fence == "```" and "\n" in body:
                body = body.split("\n", 1)[1]  # the first line names the language
            out.append(_unescape(body))
            i = end + len(fence)
        elif marker:
            if opened.pop(marker, None) is None:
                opened[marker] = i
            i += len(marker)
        elif char == "[":
            opened["["] = i
            i += 1
        elif char == "]" and "[" in opened and text.startswith("(", i + 1):
            end = _closing(text, i + 2, ")")
            if end < 0:
                raise _parse_error(
                    f"Can't find end of a URL at byte offset {_byte_offset(text, i + 2)}"
                )
            del opened["["]
            i = end + 1
        elif char == ">" and (i == 0 or text[i - 1] == "\n"):
            i += 1
        elif char in RESERVED:
            raise _parse_error(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        else:
            out.append(char)
            i += 1
    if opened:
        marker, start = min(opened.items(), key=lambda item: item[1])
        name = MARKERS.get(marker, "TextUrl")
        raise _parse_error(
            f"Can't find end of {name} entity at byte offset {_byte_offset(text, start)}"
        )
    return "".join(out)
