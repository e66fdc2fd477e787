"""Language: which language an article is written in, as an ISO 639-1 code.

The engine analyses English articles only; others are kept but flagged, so this check runs
on every article and must be cheap: it reads only the start of the text, and the language
model is loaded once, on first use.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections import Counter
from typing import Any

from briefings.lexicon import lower_words, sections

UNDETERMINED = "und"
"""ISO 639 code for "undetermined": the text is too short to tell."""

SAMPLE_CHARS = 800
"""The start of an article says its language as well as the whole text does, much faster."""

MIN_LETTERS = 20

_LETTER = re.compile(r"[^\W\d_]")


def detect_language(text: str) -> str:
    """Return the ISO 639-1 code of the language ``text`` is written in, or "und"."""
    sample = text[:SAMPLE_CHARS]
    # Whether it has MIN_LETTERS letters: found one by one up to that many, not all listed.
    if next(itertools.islice(_LETTER.finditer(sample), MIN_LETTERS - 1, None), None) is None:
        return UNDETERMINED
    if _plainly_english(sample):
        return "en"
    plainly = _plainly_other(sample)
    if plainly is not None:
        return plainly
    language, _score = _identifier().classify(sample)
    return str(language)


ENGLISH_SHARE = 0.25
"""English prose is at least this share English function words ("the", "of", "and"…); no
other language comes near, so such a text needs no model (which costs a millisecond)."""
_WORD = re.compile(r"[a-z']+")


def _plainly_english(sample: str) -> bool:
    words = _WORD.findall(sample.lower())
    if len(words) < MIN_ENGLISH_WORDS:
        return False
    common = _english_function_words()
    return sum(1 for w in words if w in common) >= ENGLISH_SHARE * len(words)


MIN_ENGLISH_WORDS = 40


def _english_function_words() -> frozenset[str]:
    return lower_words("stopwords.txt", "function words")


OTHER_MARGIN = 2.0
MIN_TELLING_WORDS = 8
"""A text is plainly in one of the other listed languages when a quarter of its words are that
language's function words and, against each other listed language, the words it has of the
one and not the other are at least MIN_TELLING_WORDS and OTHER_MARGIN times those it has of
the other and not the one. Close languages share most of their function words ("la", "de",
"que"): they are told apart by those they do not share ("y", "los" against "i", "els"),
and a text with too few of them is left to the model."""
_LETTERS = re.compile(r"[^\W\d_]+")


def _plainly_other(sample: str) -> str | None:
    """The language of the word tables (``languages.txt``) a text is plainly written in, or
    None. Asked only of a text that is not plainly English: so that a German or French
    article does not load the language model, which costs a process about 0.85 s of CPU and
    75 MB it keeps (a bot whose feed brings one such article would keep them)."""
    words = _LETTERS.findall(sample.lower())
    if len(words) < MIN_ENGLISH_WORDS:
        return None
    tables = _other_words()
    listed = Counter(w for w in words if any(w in table for _, table in tables))
    count, code, table = max(
        ((sum(n for w, n in listed.items() if w in table), code, table) for code, table in tables),
        key=lambda counted: counted[0],
    )
    if count < ENGLISH_SHARE * len(words):
        return None
    for other, other_table in tables:
        if other == code:
            continue
        own = sum(n for w, n in listed.items() if w in table and w not in other_table)
        theirs = sum(n for w, n in listed.items() if w in other_table and w not in table)
        if own < MIN_TELLING_WORDS or own < OTHER_MARGIN * theirs:
            return None
    return code


@functools.cache
def _other_words() -> tuple[tuple[str, frozenset[str]], ...]:
    return tuple(
        (code, lower_words("languages.txt", code)) for code in sections("languages.txt") if code
    )


@functools.cache
def _identifier() -> Any:
    # py3langid decompresses its model on first use (~0.8 s); one shared identifier per
    # process, created only when a text needs it.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE)
