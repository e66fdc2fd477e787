"""Telegram's HTML dialect: validating, measuring, escaping and splitting outgoing text.

The bot checks what it sends with this parser; the local Bot API server reads what it
receives with rules of its own (``bot.localapi.html``), so a bug here shows up end to end.
It follows the rules of Telegram's HTML parse mode:

* tags: b strong i em u ins s strike del, span class="tg-spoiler", tg-spoiler, a href,
  tg-emoji emoji-id, code, pre, blockquote (optionally ``expandable``); names are
  case-insensitive, tags must be closed in order; no ``<br>``/``<p>`` (use newlines);
* ``<`` and ``&`` outside tags must be escaped; the named entities are only
  ``&lt; &gt; &amp; &quot;``; every numeric entity is accepted; a bare ``>`` is accepted.

Error messages copy the wording of Telegram's parser ("Unsupported start tag "br" at byte
offset 42"). One deliberate difference: Telegram keeps an unknown entity or a lone ``&`` as
literal text, we reject it, because it almost always means the text was not escaped.

Lengths are counted like Telegram counts its 4096-character limit: on the text left after
entity parsing (tags removed, entities decoded), one per Unicode code point. The measure is
the engine's (``visible_length``), which trims its briefings and digests with it.
"""

from __future__ import annotations

import html
import re

from briefings.engine import visible_length

__all__ = ["echo", "escape", "split_message", "validate_telegram_html", "visible_length"]

MESSAGE_LIMIT = 4096
ECHO_CHARS = 80

# tag name -> attributes Telegram reads from it (others are ignored, as Telegram does)
_TAGS: dict[str, frozenset[str]] = {
    "b": frozenset(),
    "strong": frozenset(),
    "i": frozenset(),
    "em": frozenset(),
    "u": frozenset(),
    "ins": frozenset(),
    "s": frozenset(),
    "strike": frozenset(),
    "del": frozenset(),
    "span": frozenset({"class"}),
    "tg-spoiler": frozenset(),
    "a": frozenset({"href"}),
    "tg-emoji": frozenset({"emoji-id"}),
    "code": frozenset({"class"}),
    "pre": frozenset(),
    "blockquote": frozenset({"expandable"}),
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

_SPECIAL = re.compile(r"[<&]")
_ENTITY = re.compile(r"&(?:#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,8})|([A-Za-z][A-Za-z0-9]{0,31}));")
_TAG_NAME = re.compile(r"[^\s>]*")
_END_TAG = re.compile(r"</([^\s>]*)\s*>")
_SPACES = re.compile(r"\s*")
_ATTR_NAME = re.compile(r"[A-Za-z0-9_-]*")
_ATTR_VALUE = re.compile(r"\"([^\"]*)\"|'([^']*)'|([^\s>\"']+)")
_ATTR_ENTITY = re.compile(r"&(?:#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,8}|[A-Za-z][A-Za-z0-9]{0,31});")

# Parsed events: (kind, raw, visible-or-tag-name). TEXT raw==visible (no '&' inside);
# ENTITY is one decoded character; OPEN/CLOSE carry the lower-cased tag name.
TEXT, ENTITY, OPEN, CLOSE = 0, 1, 2, 3
Event = tuple[int, str, str]


def escape(text: str) -> str:
    """Escape plain text for Telegram HTML (``<``, ``>`` and ``&``; quotes need no escaping)."""
    return html.escape(text, quote=False)


def echo(text: str, limit: int = ECHO_CHARS) -> str:
    """Plain text (the user's, an error's) made safe to quote in a message: its spaces
    squeezed, shortened to `limit` characters with "…", then escaped."""
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return escape(text)


def validate_telegram_html(text: str) -> None:
    """Raise ``ValueError`` with Telegram's wording if ``text`` is not valid Telegram HTML."""
    _parse(text)


def visible_text(html: str) -> str:
    """The plain text Telegram shows for ``html`` (tags removed, entities decoded)."""
    return "".join(event[2] for event in _parse(html) if event[0] <= ENTITY)


def split_message(html: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split valid Telegram HTML into parts of at most ``limit`` visible characters each.

    Cuts fall on the last blank line that fits, else the last newline, else the last space,
    else at the limit; never inside a tag or an entity. Tags open across a cut are closed at
    the end of one part and re-opened (with their attributes) at the start of the next, so
    every part is valid on its own. The limit counts visible characters, as Telegram does;
    the raw markup of a part may be longer. Separators stay at the end of the earlier part,
    so the parts' visible texts joined give the original text, except trailing whitespace
    that would overflow the last part, which is dropped (Telegram strips it anyway).
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    events = _parse(html)
    visible = "".join(event[2] for event in events if event[0] <= ENTITY)
    if len(visible) <= limit:
        return [html]
    cuts, drop_tail = _choose_cuts(visible, limit)
    parts = _cut_events(events, cuts)
    if drop_tail:
        parts.pop()
    return parts


def _choose_cuts(visible: str, limit: int) -> tuple[list[int], bool]:
    """Visible offsets where parts end, and whether the text after the last one is dropped."""
    cuts: list[int] = []
    start = 0
    end = len(visible.rstrip())
    while end - start > limit:
        cut = _best_cut(visible, start, start + limit)
        cuts.append(cut)
        start = cut
    if len(visible) - start > limit:
        cuts.append(end)
        return cuts, True
    return cuts, False


def _best_cut(visible: str, start: int, window_end: int) -> int:
    """The preferred cut point in ``visible[start:window_end]`` that leaves a non-blank part."""
    for separator in ("\n\n", "\n", " "):
        at = visible.rfind(separator, start, window_end)
        if at > start and not visible[start:at].isspace():
            return at + len(separator)
    return window_end


def _cut_events(events: list[Event], cuts: list[int]) -> list[str]:
    """Distribute parsed events over parts ending at the visible offsets ``cuts``."""
    parts: list[str] = []
    current: list[str] = []
    open_tags: list[Event] = []
    remaining = iter(cuts)
    next_cut = next(remaining, None)
    position = 0

    def cut() -> None:
        nonlocal current, next_cut
        current.extend(f"</{tag[2]}>" for tag in reversed(open_tags))
        parts.append("".join(current))
        current = [tag[1] for tag in open_tags]
        next_cut = next(remaining, None)

    for event in events:
        kind, raw, value = event
        if kind == CLOSE:
            # a closing tag at a cut belongs to the part it closes
            current.append(raw)
            open_tags.pop()
            continue
        while next_cut is not None and next_cut == position:
            cut()
        if kind == OPEN:
            current.append(raw)
            open_tags.append(event)
            continue
        # TEXT runs may straddle cuts; an ENTITY is one character so never does
        while next_cut is not None and position < next_cut < position + len(value):
            head = next_cut - position
            current.append(raw[:head])
            raw = raw[head:]
            value = value[head:]
            position += head
            cut()
        current.append(raw)
        position += len(value)
    while next_cut is not None:
        cut()
    parts.append("".join(current))
    return parts


def _parse(text: str) -> list[Event]:
    """Tokenise Telegram HTML into events, raising ``ValueError`` on the first error."""
    events: list[Event] = []
    stack: list[str] = []
    position = 0
    length = len(text)
    search = _SPECIAL.search
    while position < length:
        found = search(text, position)
        if found is None:
            events.append((TEXT, text[position:], text[position:]))
            break
        at = found.start()
        if at > position:
            events.append((TEXT, text[position:at], text[position:at]))
        if text[at] == "&":
            character, position = _entity(text, at)
            events.append((ENTITY, text[at:position], character))
        elif text.startswith("</", at):
            position = _end_tag(text, at, stack, events)
        else:
            position = _start_tag(text, at, stack, events)
    if stack:
        raise ValueError(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return events


def _offset(text: str, at: int) -> int:
    """UTF-8 byte offset of character ``at``, the unit Telegram reports positions in."""
    return len(text[:at].encode("utf-8", "surrogatepass"))


def _entity(text: str, at: int) -> tuple[str, int]:
    """Decode the entity at ``at``: (character, position after it)."""
    match = _ENTITY.match(text, at)
    if match is None:
        raise ValueError(f'Unescaped "&" at byte offset {_offset(text, at)}; write "&amp;"')
    decimal, hexadecimal, name = match.groups()
    if name is not None:
        if name not in _NAMED_ENTITIES:
            raise ValueError(
                f'Unsupported HTML entity "{match.group()}" at byte offset {_offset(text, at)}'
            )
        return _NAMED_ENTITIES[name], match.end()
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    if not 0 < code <= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise ValueError(
            f'Unsupported HTML entity "{match.group()}" at byte offset {_offset(text, at)}'
        )
    return chr(code), match.end()


def _end_tag(text: str, at: int, stack: list[str], events: list[Event]) -> int:
    """Check the end tag at ``at`` against the open tags; return the position after it."""
    match = _END_TAG.match(text, at)
    if match is None:
        raise ValueError(f"Unclosed end tag at byte offset {_offset(text, at)}")
    name = match.group(1).lower()
    if not stack:
        raise ValueError(f"Unexpected end tag at byte offset {_offset(text, at)}")
    if name != stack[-1]:
        raise ValueError(
            f"Unmatched end tag at byte offset {_offset(text, at)}, "
            f'expected "</{stack[-1]}>", found "</{name}>"'
        )
    stack.pop()
    events.append((CLOSE, match.group(), name))
    return match.end()


def _start_tag(text: str, at: int, stack: list[str], events: list[Event]) -> int:
    """Parse the start tag at ``at`` with its attributes; return the position after it."""
    name_match = _TAG_NAME.match(text, at + 1)
    assert name_match is not None  # the pattern matches the empty string
    position = name_match.end()
    if position >= len(text):
        raise ValueError(f"Unclosed start tag at byte offset {_offset(text, at)}")
    name = name_match.group().lower()
    if name not in _TAGS:
        raise ValueError(f'Unsupported start tag "{name}" at byte offset {_offset(text, at)}')
    attributes: dict[str, str] = {}
    while True:
        position = _SPACES.match(text, position).end()  # type: ignore[union-attr]
        if position >= len(text):
            raise ValueError(f'Unclosed start tag "{name}" at byte offset {_offset(text, at)}')
        if text[position] == ">":
            position += 1
            break
        attribute_match = _ATTR_NAME.match(text, position)
        assert attribute_match is not None
        attribute = attribute_match.group().lower()
        if not attribute:
            raise ValueError(
                f'Empty attribute name in the tag "{name}" at byte offset {_offset(text, at)}'
            )
        position = _SPACES.match(text, attribute_match.end()).end()  # type: ignore[union-attr]
        if position < len(text) and text[position] == "=":
            position = _SPACES.match(text, position + 1).end()  # type: ignore[union-attr]
            value_match = _ATTR_VALUE.match(text, position)
            if value_match is None:
                raise ValueError(f'Unclosed start tag "{name}" at byte offset {_offset(text, at)}')
            value = next(group for group in value_match.groups() if group is not None)
            attributes[attribute] = _decode_attribute(value)
            position = value_match.end()
        elif name == "blockquote" and attribute == "expandable":
            attributes[attribute] = ""
        else:
            raise ValueError(
                "Expected equal sign in declaration of an attribute of the tag "
                f'"{name}" at byte offset {_offset(text, at)}'
            )
    _check_attributes(text, at, name, attributes)
    stack.append(name)
    events.append((OPEN, text[at:position], name))
    return position


def _decode_attribute(value: str) -> str:
    """Decode the entities Telegram decodes inside attribute values."""
    return _ATTR_ENTITY.sub(lambda match: html.unescape(match.group()), value)


def _check_attributes(text: str, at: int, name: str, attributes: dict[str, str]) -> None:
    """Enforce the attributes some tags cannot do without."""
    if name == "span" and attributes.get("class") != "tg-spoiler":
        raise ValueError(
            f'Tag "span" must have class "tg-spoiler" at byte offset {_offset(text, at)}'
        )
    if name == "tg-emoji" and not attributes.get("emoji-id", "").isdigit():
        raise ValueError(
            "Custom emoji entity must contain a valid custom emoji identifier "
            f"at byte offset {_offset(text, at)}"
        )
