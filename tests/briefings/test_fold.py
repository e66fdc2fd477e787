"""fold() character by character (for speed) gives what folding the whole text gave."""

from __future__ import annotations

import unicodedata

import pytest

from briefings.extract.entities import _UNDECOMPOSED, fold
from tests.conftest import ROOT, SEEDS

SHARED_CORPORA = ROOT.parent / "shared" / "corpora"


def whole_text_fold(text: str) -> str:
    """fold() as it was: NFKD of the whole text, combining marks dropped, lower-cased."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSED))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def corpus_texts() -> list[str]:
    folders = [SEEDS] + ([SHARED_CORPORA] if SHARED_CORPORA.is_dir() else [])
    return [
        path.read_text("utf-8", errors="replace")
        for folder in folders
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    ]


def test_fold_equals_the_whole_text_fold_on_every_word_and_line_of_the_corpora() -> None:
    texts = corpus_texts()
    if not SHARED_CORPORA.is_dir():
        pytest.skip("../shared/corpora is not beside the project")
    words = {word for text in texts for word in text.split()}
    lines = {line for text in texts for line in text.splitlines()}
    assert sum(not w.isascii() for w in words) > 100  # curly quotes, accented names
    assert [w for w in words if fold(w) != whole_text_fold(w)] == []
    assert [line for line in lines if fold(line) != whole_text_fold(line)] == []


@pytest.mark.parametrize(
    "text",
    [
        "Øyvind Ægir Łukasz Straße Þór",  # characters NFKD leaves whole: the table's
        "Ὀδυσσεύς ΟΔΥΣΣΕΥΣ",  # a final sigma is lower-cased by its context
        "e\u0301 e\u0327\u0301 \u0301alone",  # combining marks in any order, and alone
        "İstanbul ﬁle ①  ｆｕｌｌ",  # compatibility forms
        "“Quoted” — dash… ‘and’ ﬂ",
    ],
)
def test_fold_equals_the_whole_text_fold_on_hard_cases(text: str) -> None:
    assert fold(text) == whole_text_fold(text)
