"""Language: which language an article is written in, as an ISO 639-1 code.

The engine analyses English articles only; others are kept but flagged, so this check runs
on every article and must be cheap: it reads only the start of the text, and the language
model is loaded once, on first use.
"""

from __future__ import annotations

import functools
import itertools
import re
from typing import Any

from briefings.lexicon import lower_words

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


@functools.cache
def _identifier() -> Any:
    # py3langid decompresses its model on first use (~0.8 s); one shared identifier per
    # process, created only when a text needs it.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE)
