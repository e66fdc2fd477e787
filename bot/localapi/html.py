"""Telegram's HTML parse mode as the fake server reads what it receives.

Written apart from the bot's own `bot.telegram_html`, on purpose: this server is how the
tests see the bot's HTML, so it must not share the bot's code, or a bug there would pass
here too. It reads the UTF-8 bytes one by one, the unit Telegram gives error offsets in,
and follows the rules of Telegram's documentation:

* tags b strong i em u ins s strike del, span class="tg-spoiler", tg-spoiler, a href,
  tg-emoji emoji-id, code, pre, blockquote [expandable]; names case-insensitive; closed in
  the order opened;
* ``<`` and ``&`` in text must be escaped; named entities are only lt gt amp quot, numeric
  ones are any code point but surrogates and 0;
* the text's length is what is left once tags are removed and entities decoded, in code
  points.

Error descriptions use Telegram's wording ("Unsupported start tag "br" at byte offset 1").
Like the bot, it rejects a lone ``&`` that Telegram would keep as text: it almost always
means the text was not escaped.
"""

from __future__ import annotations

import html

MESSAGE_LIMIT = 4096
SUPPORTED_TAGS = frozenset(
    [
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "tg-emoji",
        "code",
        "pre",
        "blockquote",
    ]
)
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
SPACE = b" \t\n\r\f\v"
LT, GT, AMP, SLASH, EQUALS = (ord(c) for c in "<>&/=")
ATTRIBUTE_NAME_BYTES = frozenset(
    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"
)


class HtmlRejected(ValueError):
    """The text is not valid Telegram HTML; the message is Telegram's description."""


def visible_text(text: str) -> str:
    """The text a reader sees: tags removed, entities decoded. Raises HtmlRejected."""
    return _Reader(text.encode("utf-8", "surrogatepass")).read()


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0
        self.open: list[str] = []
        self.shown: list[str] = []

    def read(self) -> str:
        data = self.data
        while self.at < len(data):
            byte = data[self.at]
            if byte == LT:
                self._tag()
            elif byte == AMP:
                self._entity()
            else:
                end = self._next_special(self.at)
                self.shown.append(data[self.at : end].decode("utf-8", "surrogatepass"))
                self.at = end
        if self.open:
            raise HtmlRejected(f'Can\'t find end tag corresponding to start tag "{self.open[-1]}"')
        return "".join(self.shown)

    def _next_special(self, start: int) -> int:
        ends = [i for i in (self.data.find(b"<", start), self.data.find(b"&", start)) if i >= 0]
        return min(ends) if ends else len(self.data)

    # -- entities -------------------------------------------------------------------------------
    def _entity(self) -> None:
        start = self.at
        semicolon = self.data.find(b";", start + 1, start + 35)
        body = self.data[start + 1 : semicolon].decode("ascii", "replace") if semicolon > 0 else ""
        character = _decode_entity(body) if body else None
        if character is None and not _looks_like_entity(body):
            raise HtmlRejected(f'Unescaped "&" at byte offset {start}; write "&amp;"')
        if character is None:
            raise HtmlRejected(f'Unsupported HTML entity "&{body};" at byte offset {start}')
        self.shown.append(character)
        self.at = semicolon + 1

    # -- tags -----------------------------------------------------------------------------------
    def _tag(self) -> None:
        if self.data[self.at + 1 : self.at + 2] == b"/":
            self._end_tag()
        else:
            self._start_tag()

    def _end_tag(self) -> None:
        start = self.at
        if not self.open:
            raise HtmlRejected(f"Unexpected end tag at byte offset {start}")
        data = self.data
        end = start + 2
        while end < len(data) and data[end] not in SPACE and data[end] != GT:
            end += 1
        name = data[start + 2 : end].decode("utf-8", "replace").lower()
        while end < len(data) and data[end] in SPACE:
            end += 1
        if end >= len(data) or data[end] != GT:
            raise HtmlRejected(f"Unclosed end tag at byte offset {start}")
        if name != self.open[-1]:
            raise HtmlRejected(
                f'Unmatched end tag at byte offset {start}, expected "</{self.open[-1]}>", '
                f'found "</{name}>"'
            )
        self.open.pop()
        self.at = end + 1

    def _start_tag(self) -> None:
        start = self.at
        data = self.data
        end = start + 1
        while end < len(data) and data[end] not in SPACE and data[end] != GT:
            end += 1
        if end >= len(data):
            raise HtmlRejected(f"Unclosed start tag at byte offset {start}")
        name = data[start + 1 : end].decode("utf-8", "replace").lower()
        if name not in SUPPORTED_TAGS:
            raise HtmlRejected(f'Unsupported start tag "{name}" at byte offset {start}')
        self.at = end
        attributes = self._attributes(name, start)
        if name == "span" and attributes.get("class") != "tg-spoiler":
            raise HtmlRejected(f'Tag "span" must have class "tg-spoiler" at byte offset {start}')
        if name == "tg-emoji" and not attributes.get("emoji-id", "").isdigit():
            raise HtmlRejected(
                "Custom emoji entity must contain a valid custom emoji identifier "
                f"at byte offset {start}"
            )
        self.open.append(name)

    def _attributes(self, tag: str, start: int) -> dict[str, str]:
        """Read `name="value"` pairs up to the tag's `>`, leaving the reader after it."""
        data = self.data
        found: dict[str, str] = {}
        unclosed = HtmlRejected(f'Unclosed start tag "{tag}" at byte offset {start}')
        while True:
            self._skip_spaces()
            if self.at >= len(data):
                raise unclosed
            if data[self.at] == GT:
                self.at += 1
                return found
            name_start = self.at
            while self.at < len(data) and data[self.at] in ATTRIBUTE_NAME_BYTES:
                self.at += 1
            name = data[name_start : self.at].decode("ascii").lower()
            if not name:
                raise HtmlRejected(
                    f'Empty attribute name in the tag "{tag}" at byte offset {start}'
                )
            self._skip_spaces()
            if self.at < len(data) and data[self.at] == EQUALS:
                self.at += 1
                self._skip_spaces()
                found[name] = self._attribute_value(unclosed)
            elif tag == "blockquote" and name == "expandable":
                found[name] = ""
            else:
                raise HtmlRejected(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{tag}" at byte offset {start}'
                )

    def _attribute_value(self, unclosed: HtmlRejected) -> str:
        data = self.data
        if self.at >= len(data):
            raise unclosed
        quote = data[self.at : self.at + 1]
        if quote in (b'"', b"'"):
            close = data.find(quote, self.at + 1)
            if close < 0:
                raise unclosed
            raw = data[self.at + 1 : close]
            self.at = close + 1
        else:
            value_start = self.at
            while self.at < len(data) and data[self.at] not in SPACE + b">\"'":
                self.at += 1
            raw = data[value_start : self.at]
            if not raw:
                raise unclosed
        return html.unescape(raw.decode("utf-8", "surrogatepass"))

    def _skip_spaces(self) -> None:
        while self.at < len(self.data) and self.data[self.at] in SPACE:
            self.at += 1


def _looks_like_entity(body: str) -> bool:
    """`#123`, `#x1F`, or a name of letters and digits: an entity, supported or not."""
    if body.startswith(("#x", "#X")):
        digits = body[2:]
        return 0 < len(digits) <= 8 and all(c in "0123456789abcdefABCDEF" for c in digits)
    if body.startswith("#"):
        return 0 < len(body) - 1 <= 8 and body[1:].isdigit()
    return 0 < len(body) <= 32 and body.isascii() and body[0].isalpha() and body.isalnum()


def _decode_entity(body: str) -> str | None:
    """The character an entity stands for, or None when Telegram does not accept it."""
    if not _looks_like_entity(body):
        return None
    if not body.startswith("#"):
        return NAMED_ENTITIES.get(body)
    code = int(body[2:], 16) if body[1:2] in ("x", "X") else int(body[1:])
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code)
