"""Telegram's HTML dialect: validation, visible length, escaping and message splitting."""

from __future__ import annotations

import random

import pytest

from bot.localapi.html import HtmlRejected
from bot.localapi.html import visible_text as server_visible_text
from bot.telegram_html import (
    escape,
    split_message,
    validate_telegram_html,
    visible_length,
    visible_text,
)

VALID = [
    "plain text > with a bare greater-than",
    "<b>bold</b> <strong>s</strong> <i>i</i> <em>e</em> <u>u</u> <ins>n</ins>",
    "<s>s</s> <strike>s</strike> <del>d</del> <tg-spoiler>x</tg-spoiler>",
    '<span class="tg-spoiler">hidden</span>',
    "<a href=\"https://example.org/?a=1&amp;b=2\">link</a> <a href='x'>single</a>",
    '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
    '<pre><code class="language-python">x = 1 &lt; 2</code></pre>',
    "<blockquote expandable>quote</blockquote> <blockquote>plain</blockquote>",
    "<B>upper-case names</B>",
    "&lt;&gt;&amp;&quot; &#39; &#x1F600;",
    "<b>nested <i>tags <u>three</u></i></b>",
]


@pytest.mark.parametrize("text", VALID)
def test_valid_telegram_html_passes(text: str) -> None:
    validate_telegram_html(text)


INVALID = [
    ("a<br>b", 'Unsupported start tag "br" at byte offset 1'),
    ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
    ("<b/>", 'Unsupported start tag "b/" at byte offset 0'),
    ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
    ("ends with <", "Unclosed start tag at byte offset 10"),
    ('<a href="x"', 'Unclosed start tag "a" at byte offset 0'),
    ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
    ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
    ("x</b>", "Unexpected end tag at byte offset 1"),
    ("<b>x</b", "Unclosed end tag at byte offset 4"),
    ("A & B", 'Unescaped "&" at byte offset 2; write "&amp;"'),
    ("€&nbsp;", 'Unsupported HTML entity "&nbsp;" at byte offset 3'),  # € is 3 bytes
    ("&#xD800;", 'Unsupported HTML entity "&#xD800;" at byte offset 0'),
    ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    (
        "<tg-emoji>x</tg-emoji>",
        "Custom emoji entity must contain a valid custom emoji identifier at byte offset 0",
    ),
    (
        "<b bold>x</b>",
        'Expected equal sign in declaration of an attribute of the tag "b" at byte offset 0',
    ),
    ('<b ="x">x</b>', 'Empty attribute name in the tag "b" at byte offset 0'),
]


@pytest.mark.parametrize(("text", "message"), INVALID)
def test_invalid_html_raises_telegrams_wording(text: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        validate_telegram_html(text)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("html", "length", "text"),
    [
        ("<b>Top</b> story", 9, "Top story"),
        ("Tom &amp; Jerry", 11, "Tom & Jerry"),
        ("&#x1F600; smile", 7, "😀 smile"),  # one code point, as Python counts
        ('<a href="https://a.very.long/url">x</a>', 1, "x"),
        ("", 0, ""),
    ],
)
def test_visible_length_counts_text_after_entity_parsing(html: str, length: int, text: str) -> None:
    assert (visible_length(html), visible_text(html)) == (length, text)


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("a < b & c > d", "a &lt; b &amp; c &gt; d"),
        ("\"quoted\" 'too'", "\"quoted\" 'too'"),
    ],
)
def test_escape_makes_plain_text_safe(text: str, escaped: str) -> None:
    assert escape(text) == escaped
    validate_telegram_html(escaped)


@pytest.mark.parametrize(
    ("html", "limit", "parts"),
    [
        # short enough: unchanged
        ("<b>short</b>", 10, ["<b>short</b>"]),
        # a blank line is preferred to a later newline
        ("one\n\ntwo\nthree", 12, ["one\n\n", "two\nthree"]),
        # then a newline, then a space
        ("alpha\nbeta gamma", 12, ["alpha\n", "beta gamma"]),
        ("alpha beta gamma", 12, ["alpha beta ", "gamma"]),
        # no break at all: a hard cut at the limit
        ("abcdefghij", 4, ["abcd", "efgh", "ij"]),
        # tags spanning the cut are closed and re-opened with their attributes
        (
            '<a href="https://e.org">link text</a> tail',
            6,
            ['<a href="https://e.org">link </a>', '<a href="https://e.org">text</a> ', "tail"],
        ),
        (
            "<b>bold <i>both</i></b> after",
            10,
            ["<b>bold <i>both</i></b> ", "after"],
        ),
        # entities are never cut and count as one character
        ("&amp;&amp;&amp;", 2, ["&amp;&amp;", "&amp;"]),
        # whitespace overflowing the last part is dropped
        ("abc   ", 3, ["abc"]),
    ],
)
def test_split_message_cuts_at_the_best_boundary(html: str, limit: int, parts: list[str]) -> None:
    assert split_message(html, limit) == parts


def test_split_message_rejects_invalid_html() -> None:
    with pytest.raises(ValueError, match='Unsupported start tag "br"'):
        split_message("a<br>b" * 2000)


# -- property: any valid text splits into valid parts that add up to it --------------------

_WORDS = ["news", "Ankara", "said", "on", "Tuesday", "&amp;", "&lt;", "&#39;", "é", "😀", "x" * 30]
_TAGS = ["b", "i", "u", "s", "code", "tg-spoiler", "blockquote"]


def _random_html(rng: random.Random) -> str:
    """Paragraphs of words, some tagged (nested, with attributes), some very long words."""
    paragraphs = []
    for _ in range(rng.randint(1, 12)):
        lines = []
        for _ in range(rng.randint(1, 4)):
            words = [rng.choice(_WORDS) for _ in range(rng.randint(1, 40))]
            if rng.random() < 0.1:
                words.append("y" * rng.randint(50, 300))  # longer than some limits
            opening, closing = _nested_tags(rng, len(words))
            for at, tag in reversed(opening):  # prepending: the outer tag goes on last
                words[at] = tag + words[at]
            for at, tag in closing:
                words[at] += tag
            lines.append(" ".join(words))
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs) + "."


def _nested_tags(
    rng: random.Random, count: int
) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """Random, properly nested tag ranges over ``count`` words: (opening, closing) tags
    with the word each goes on, outermost first for openings, innermost first for closings."""
    ranges: list[tuple[int, int]] = []
    for _ in range(rng.randint(0, 4)):
        start = rng.randrange(count)
        end = rng.randint(start + 1, count)
        # keep only ranges that nest with every other one (disjoint or contained)
        if all(end <= a or b <= start or (a <= start and end <= b) or (start <= a and b <= end)
               for a, b in ranges):  # fmt: skip
            ranges.append((start, end))
    ranges.sort(key=lambda span: (span[0], -span[1]))
    tags = []
    for index, _span in enumerate(ranges):
        if rng.random() < 0.3:
            tags.append((f'<a href="https://e.org/?q={index}&amp;p=1">', "</a>"))
        else:
            name = rng.choice(_TAGS)
            tags.append((f"<{name}>", f"</{name}>"))
    opening = [(start, tags[i][0]) for i, (start, _end) in enumerate(ranges)]
    # the range opened last closes first
    closing = [(end - 1, tags[i][1]) for i, (_start, end) in reversed(list(enumerate(ranges)))]
    return opening, closing


@pytest.mark.parametrize("seed", range(60))
def test_split_message_parts_are_valid_short_and_add_up_to_the_text(seed: int) -> None:
    rng = random.Random(seed)
    html = _random_html(rng)
    validate_telegram_html(html)
    limit = rng.choice([20, 64, 100, 333, 1000, 4096])
    parts = split_message(html, limit)
    for part in parts:
        validate_telegram_html(part)
        assert 1 <= visible_length(part) <= limit
        assert not visible_text(part).isspace()
    assert "".join(visible_text(part) for part in parts) == visible_text(html)


# -- the fake server reads HTML with rules of its own: the two must agree -----------------------
def _verdict(read: object, text: str) -> str:
    """What a reader shows of the text, or that it refuses it (the wording is each reader's
    own test: which of two faults is named first may differ)."""
    try:
        return "shown: " + read(text)  # type: ignore[operator]
    except ValueError:
        return "refused"


@pytest.mark.parametrize("text", VALID)
def test_the_fake_server_accepts_what_the_bot_accepts(text: str) -> None:
    assert _verdict(server_visible_text, text) == _verdict(visible_text, text)


@pytest.mark.parametrize(("text", "message"), INVALID)
def test_the_fake_server_refuses_in_telegrams_words(text: str, message: str) -> None:
    with pytest.raises(HtmlRejected) as caught:
        server_visible_text(text)
    assert str(caught.value) == message


@pytest.mark.parametrize("seed", range(40))
def test_the_fake_server_and_the_bot_read_random_markup_alike(seed: int) -> None:
    pieces = ["<", ">", "</", "&", ";", "#", "x", "b", "i", "a", " ", '"', "'", "=", "é",
              "span", "class", "tg-spoiler", "href", "amp", "lt", "nbsp", "12", "\n", "/"]  # fmt: skip
    chooser = random.Random(seed)
    for _ in range(200):
        text = "".join(chooser.choice(pieces) for _ in range(chooser.randint(1, 12)))
        assert _verdict(server_visible_text, text) == _verdict(visible_text, text), text


def test_the_fake_server_refuses_with_its_own_error_type() -> None:
    with pytest.raises(HtmlRejected, match='Unsupported start tag "br" at byte offset 1'):
        server_visible_text("a<br>b")
