"""Sentences: an article's paragraphs split into numbered sentences.

A rule splitter, not a model: a line break always ends a sentence; otherwise a sentence ends
at ".", "!", "?" or "…" (with any closing quotes or brackets) followed by a space and
something that can start a sentence (a capital, a digit, an opening quote). A full stop after
an abbreviation only ends a sentence when the next word clearly starts one; the tables below
say which abbreviations never end one and which rarely do (``data/sentences.txt``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from briefings.lexicon import words
from briefings.models import Sentence

NEVER_FINAL: frozenset[str] = frozenset(words("sentences.txt", "never final"))
"""Abbreviations (without their final period) a sentence does not end on: "Mr", "Gen", "Sept"."""
USUALLY_MID: frozenset[str] = frozenset(words("sentences.txt", "usually mid"))
"""Abbreviations that can end a sentence ("Inc", "Jr"): one ends only before a sentence starter."""
SENTENCE_STARTERS: frozenset[str] = frozenset(words("sentences.txt", "sentence starters"))
"""Words that begin sentences far more often than they follow "U.S." or "p.m." inside one."""

_UPPERCASE = "".join(c for c in map(chr, range(0x41, 0x530)) if c.isupper())
_OPENERS = "\"“‘'«([„"
_CLOSERS = "\"”’'»)\\]"
_BOUNDARY = re.compile(rf"([.!?…]+[{_CLOSERS}]*)\s+(?=[{_UPPERCASE}0-9{re.escape(_OPENERS)}])")
_INITIALS = re.compile(r"(?:[A-Za-z]\.)*[A-Za-z]")
_NEXT_WORD = re.compile(rf"[{re.escape(_OPENERS)}]|([A-Za-z]+)(\.?)")


def split_sentences(paragraphs: Sequence[str]) -> tuple[Sentence, ...]:
    """Split paragraphs into sentences numbered across the article."""
    sentences: list[Sentence] = []
    for paragraph_index, paragraph in enumerate(paragraphs):
        for line in paragraph.split("\n"):
            for text in _split_line(line):
                sentences.append(Sentence(len(sentences), paragraph_index, text))
    return tuple(sentences)


def _split_line(line: str) -> list[str]:
    pieces = []
    start = 0
    for boundary in _BOUNDARY.finditer(line):
        if boundary.group(1) == "." and not _is_sentence_end(
            line, boundary.start(), boundary.end()
        ):
            continue
        pieces.append(line[start : boundary.end(1)])
        start = boundary.end()
    pieces.append(line[start:])
    return [text for piece in pieces if (text := piece.strip())]


def _is_sentence_end(line: str, stop: int, next_start: int) -> bool:
    """Whether the full stop at ``stop`` ends a sentence rather than an abbreviation."""
    word_start = line.rfind(" ", 0, stop) + 1
    if word_start == stop:  # "U.S ." — a stray space between the word and its period
        word_start = line.rfind(" ", 0, stop - 1) + 1
        stop -= 1
    word = line[word_start:stop].lstrip(_OPENERS)
    if word in NEVER_FINAL:
        return False
    if word in USUALLY_MID or _INITIALS.fullmatch(word):
        return _starts_sentence(line, next_start)
    return True


def _starts_sentence(line: str, start: int) -> bool:
    """Whether the text at ``start`` clearly begins a new sentence."""
    match = _NEXT_WORD.match(line, start)
    if match is None:
        return False
    word, period = match.groups()
    if word is None:
        return True  # an opening quote or bracket
    if period and len(word) == 1:
        return False  # another initial: "J. A. Smith"
    return word in SENTENCE_STARTERS
