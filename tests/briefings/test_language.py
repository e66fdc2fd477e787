from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from briefings.read.language import detect_language

ROOT = Path(__file__).parents[2]
SEEDS = ROOT / "seeds"
CORPUS = ROOT / ".." / "shared" / "corpora" / "erdogan-putin"


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda path: path.name)
def test_detect_language_finds_english_seeds(path: Path) -> None:
    assert detect_language(path.read_text(encoding="utf-8")) == "en"


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared development corpus is absent")
def test_detect_language_finds_the_german_corpus_article() -> None:
    assert detect_language((CORPUS / "08.txt").read_text(encoding="utf-8")) == "de"


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared development corpus is absent")
@pytest.mark.parametrize(
    "name", ["01.txt", "02.txt", "03.txt", "04.txt", "05.txt", "06.txt", "07.txt"]
)
def test_detect_language_finds_english_corpus_articles(name: str) -> None:
    assert detect_language((CORPUS / name).read_text(encoding="utf-8")) == "en"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # too few letters to tell
        ("", "und"),
        ("12.09.2019 — 14:30", "und"),
        ("Breaking news now", "und"),
        # enough letters
        ("Le président a rencontré son homologue russe à Sotchi mardi soir.", "fr"),
        ("El presidente se reunió con su homólogo ruso en Sochi el martes.", "es"),
        ("The president met his Russian counterpart in Sochi on Tuesday.", "en"),
    ],
)
def test_detect_language_of_short_texts(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_detect_language_reads_only_the_start_of_a_long_text() -> None:
    english = "The president met his Russian counterpart in Sochi on Tuesday. " * 40
    german = "Der Präsident traf seinen russischen Amtskollegen am Dienstag in Sotschi. " * 400
    assert detect_language(english + german) == "en"


def test_the_bot_starts_without_numpy_and_the_model_still_loads() -> None:
    """sqlite-utils is imported without numpy (briefings/index/lean_sqlite_utils.py): a
    process starts without it, and the language model imports it when a text needs it. The
    bot's own storage imports sqlite-utils plainly (it reaches the engine only through its
    facade), after the engine has: its entry point is what is checked."""
    script = (
        "import sys\n"
        "import bot.__main__\n"
        "assert 'numpy' not in sys.modules, 'numpy imported at start'\n"
        "from briefings.read.language import detect_language\n"
        "print(detect_language('Le président a rencontré son homologue russe à Sotchi mardi soir.'))\n"
        "assert 'numpy' in sys.modules\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "fr"
