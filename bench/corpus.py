"""Builds benchmark corpora: N real articles, varied so that no two are byte-identical.

Sources are the shipped seeds plus any folders given. Copy group g renames the people of its
articles (each capitalised name becomes a made-up one, the same throughout the group) and
shifts years, so the copies form separate events as
a real archive would, and shuffles body paragraphs.
"""

from __future__ import annotations

import functools
import os
import random
import re
from pathlib import Path

from briefings.extract.dates import CALENDAR_WORDS
from briefings.lexicon import countries, sections

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED_CORPORA = Path(os.environ.get("BENCH_SHARED_CORPORA") or ROOT.parent / "shared" / "corpora")
"""The shared corpora the benches build from: beside the project, or where
BENCH_SHARED_CORPORA says. A copy of the project elsewhere (an older version, to compare
with) finds none beside it and builds its corpus from the seeds alone: to compare two
versions, point both at the same folder."""
_NAME = re.compile(r"\b([A-Z][a-z]{3,})\b")
_YEAR = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")


def shared_folders() -> list[Path]:
    """The shared corpus folders there are (none when SHARED_CORPORA is missing)."""
    if not SHARED_CORPORA.is_dir():
        return []
    return sorted(p for p in SHARED_CORPORA.iterdir() if p.is_dir())


def sources_line(folders: list[Path]) -> str:
    """What a bench's corpus is built from (the seeds and these shared folders), printed
    with its figures: two runs compare only when they say the same."""
    if not folders:
        return "sources: the seeds alone (no shared corpora: see BENCH_SHARED_CORPORA)"
    return f"sources: the seeds and {len(folders)} shared corpus folder(s)"


def source_texts(folders: list[Path]) -> list[str]:
    texts = []
    for folder in [SEEDS, *folders]:
        for path in sorted(folder.glob("*.txt")):
            texts.append(path.read_text("utf-8"))
    return texts


_CONSONANTS = "bcdfghjklmnprstvz"
_VOWELS = "aeiou"


def _pseudonym(word: str, group: int) -> str:
    """Another name for a capitalised word in copy group ``group``: the same in every article
    of the group, unrelated to the names of other groups (not a spelling variant of them, so
    the engine keeps them apart as it would two real people)."""
    if group == 0:
        return word
    rng = random.Random(f"{word}/{group}")
    letters = [rng.choice(_CONSONANTS if n % 2 == 0 else _VOWELS) for n in range(max(4, len(word)))]
    return "".join(letters).capitalize()


def _renamed(match: re.Match[str], *, group: int) -> str:
    """A surname made up for copy `group` of a text; other capitalised words as they are."""
    word = match.group(1)
    return _pseudonym(word, group) if _looks_like_surname(word) else word


def _shifted(match: re.Match[str], *, years: int) -> str:
    return str(int(match.group(1)) + years)


def build(n: int, out: Path, folders: list[Path] | None = None, seed: int = 7) -> Path:
    """Write n article files into out/ and return it."""
    rng = random.Random(seed)
    texts = source_texts(folders or [])
    out.mkdir(parents=True, exist_ok=True)
    for k in range(n):
        group, base = divmod(k, len(texts))
        text = texts[base]
        shift = group % 30
        text = _NAME.sub(functools.partial(_renamed, group=group), text)
        text = _YEAR.sub(functools.partial(_shifted, years=shift), text)
        paragraphs = text.split("\n\n")
        head, body = paragraphs[:2], paragraphs[2:]
        rng.shuffle(body)
        (out / f"{k:06d}.txt").write_text("\n\n".join(head + body), "utf-8")
    return out


def _place_and_body_words() -> set[str]:
    """The words of the world table (countries, capitals, peoples, seats of government)
    and of the place and organisation tables, as written and capitalised."""
    found: set[str] = set()
    for country in countries():
        for name in (
            country.name,
            country.demonym,
            country.capital,
            *country.short_names,
            *country.seats,
            *country.other_demonyms,
            *country.other_capitals,
        ):
            found.update(name.split())
    for table in ("places.txt", "organisations.txt"):
        for lines in sections(table).values():
            for word in (w for line in lines for w in line.split()):
                found.update((word, word[:1].upper() + word[1:]))
    return found


# Capitalised words that are not surnames: renaming them would garble the text.
_COMMON = (
    CALENDAR_WORDS
    | _place_and_body_words()
    | {
        "This",
        "That",
        "There",
        "These",
        "Those",
        "When",
        "Where",
        "Which",
        "While",
        "With",
        "From",
        "Into",
        "Over",
        "After",
        "Before",
        "About",
        "Prime",
        "Minister",
        "President",
        "Black",
        "Foreign",
        "Defense",
        "Defence",
        "Chief",
        "General",
        "National",
        "Relations",
        "Meetings",
        "Speaking",
        "Prior",
        "Last",
        "Earlier",
    }
)


def _looks_like_surname(word: str) -> bool:
    return word not in _COMMON


def words_in(folder: Path) -> int:
    return sum(len(p.read_text("utf-8").split()) for p in folder.glob("*.txt"))
