"""A benchmark corpus like real news: recurring leaders, events of every size, years of dates.

    python bench/news_corpus.py 10000 /tmp/corpus     # build one and print what it holds

Built from the shipped seeds and the shared corpora (each folder is a few real events: a
meeting, its previews and its reactions). The corpus is made of *copies* of those folders:

- **Dates spread over years.** Each copy of a folder moves every date its articles write
  (ISO dates, "March 3, 2021", "19 July", a bare year) back by a whole number of weeks, so
  weekdays stay true; two copies of one folder are at least four weeks apart, so each is an
  event of its own.
- **Names recur as in real news.** A name that appears in several folders (a head of state
  met here and there), or in most articles of its folder (the visitor), is kept in every
  copy: a few leaders are named in a large share of the articles. Every other name is
  replaced by a made-up one in each copy (the analysts and officials of one story), so the
  number of people grows with the corpus.
- **Events of every size.** A copy carries each article of its folder as 1 to 80 rewritten
  versions (a heavy-tailed draw: most stories have a handful of reports, a few have
  hundreds), as outlets rewrite one wire story: body paragraphs reordered, one dropped. The
  largest events reach about 500 articles.
- **Dated as feeds date them.** Most articles carry their publication date (a ``date``
  line, as a feed's pubDate or a page's metadata gives it): those whose excerpt lost it get
  their story's date in ``DATED_SHARE`` of the copies; the rest stay undated, as files do.
- **No byte-identical copies**: a rewrite that comes out equal to one already written gets
  another order.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import random
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import _COMMON, SEEDS, _pseudonym, shared_folders  # noqa: E402
from briefings.extract.dates import MONTH_NAMES, MONTHS  # noqa: E402
from briefings.extract.entities import lexicon  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
WEEKS_APART = 4
"""Copies of one folder are at least this many weeks apart (an event's reports span ~2)."""
SLOTS = 400
"""Dates a folder's copies can take: 400 steps of four weeks, about 31 years back."""
MAX_VERSIONS = 80
PARETO_SHAPE = 1.2
"""The tail of the number of versions: P(at least v) ~ v^-1.2."""
DATED_SHARE = 0.85
_DATE_LINE = re.compile(r"^\s*date\s+\d{4}-\d{2}-\d{2}")

_MONTH = "|".join(sorted((m for names in MONTH_NAMES for m in names), key=len, reverse=True))
_DATE = re.compile(
    r"(?<!\d)(?P<iso>(?P<iy>(?:19|20)\d\d)-(?P<im>[01]\d)-(?P<id>[0-3]\d))(?!\d)"
    rf"|\b(?P<mdy>(?P<m1>{_MONTH})\.?\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?(?![\d:])"
    r"(?:,?\s+(?P<y1>(?:19|20)\d\d)(?!\d))?)"
    rf"|(?<![\d.,])\b(?P<dmy>(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m2>{_MONTH})\b\.?"
    r"(?:,?\s+(?P<y2>(?:19|20)\d\d)(?!\d))?)"
)
_YEAR = re.compile(r"(?<![\d-])(19[5-9]\d|20[0-4]\d)(?![\d-])")
_NAME = re.compile(r"\b([A-Z][a-z]{3,})\b")


@dataclass
class Folder:
    """One source folder: its articles, the date they centre on, and the names to keep."""

    name: str
    texts: list[str]
    anchor: dt.date
    keep: set[str] = field(default_factory=set)


@dataclass
class CorpusFacts:
    """What a built corpus holds, for the benchmark's header line."""

    articles: int
    copies: int
    largest_copy: int
    first_year: int
    last_year: int
    top_name: str
    top_name_share: float
    folders: int | None = None
    """The source folders it was built from, the seeds' among them (None: a corpus kept
    before this was counted). Two corpora of N articles compare only when built from the
    same (see bench/corpus.py, SHARED_CORPORA)."""

    def line(self) -> str:
        built_from = (
            ""
            if self.folders is None
            else f", built from {self.folders} source folder{'' if self.folders == 1 else 's'}"
        )
        return (
            f"{self.articles} articles in {self.copies} story copies (largest {self.largest_copy} "
            f"articles), dated {self.first_year}-{self.last_year}; the most named person is "
            f"in {self.top_name_share:.0%} of the articles{built_from}"
        )


class Story(NamedTuple):
    """What an article of the corpus tells: a copy of one source folder's events, a
    happening of its own (copies of a folder are weeks apart until its SLOTS dates are all
    taken, past about 400 copies; copies of different folders share those dates). An undated
    article can be told from the other copies of its story only by the minor people each
    copy renames."""

    folder: str
    copy: int


STORIES_FILE = "stories.json"
"""Next to a kept corpus's articles: file name → its story, for bench/ingest.py."""


def source_folders() -> list[Folder]:
    """The seeds and every shared corpus folder there is."""
    folders = [SEEDS, *shared_folders()]
    found = []
    for folder in folders:
        texts = [p.read_text("utf-8") for p in sorted(folder.glob("*.txt"))]
        if texts:
            found.append(Folder(folder.name, texts, _anchor_of(texts)))
            for text in texts:
                _LOWER_WORDS.update(re.findall(r"\b[a-z]{4,}\b", text))
                _INNER_CAPITALS.update(re.findall(r"(?<=[a-z,] )([A-Z][a-z]{3,})\b", text))
    _choose_kept_names(found)
    return found


def _anchor_of(texts: list[str]) -> dt.date:
    """The most common full date the folder's articles write: what its copies shift."""
    dates: Counter[dt.date] = Counter()
    for text in texts:
        for match in _DATE.finditer(text):
            day = _full_date(match)
            if day is not None:
                dates[day] += 1
    return dates.most_common(1)[0][0] if dates else dt.date(2020, 1, 1)


_LOWER_WORDS: set[str] = set()
"""Words the sources also write in lower case: ordinary words, never a name."""
_INNER_CAPITALS: set[str] = set()
"""Capitalised words the sources write inside a sentence, as names are written."""


def _is_renamable(word: str) -> bool:
    """A capitalised word that may be a person's name: no table of the engine claims it,
    the sources never write it in lower case ("Details" opening a sentence) and write it
    capitalised inside a sentence."""
    return (
        word in _INNER_CAPITALS
        and word not in _COMMON
        and word.lower() not in _LOWER_WORDS
        and not lexicon().word_class.get(word.lower(), 0)
    )


def _choose_kept_names(folders: list[Folder]) -> None:
    """Leaders keep their names: named in two folders or more, or in most of their folder's
    articles."""
    in_folders: Counter[str] = Counter()
    per_folder: list[Counter[str]] = []
    for folder in folders:
        counts: Counter[str] = Counter()
        for text in folder.texts:
            counts.update({w for w in _NAME.findall(text) if _is_renamable(w)})
        per_folder.append(counts)
        in_folders.update(counts.keys())
    for folder, counts in zip(folders, per_folder, strict=True):
        folder.keep = {
            w for w, n in counts.items() if in_folders[w] >= 2 or 2 * n >= len(folder.texts)
        }


def _full_date(match: re.Match[str]) -> dt.date | None:
    try:
        if match.group("iso"):
            return dt.date(int(match["iy"]), int(match["im"]), int(match["id"]))
        if match.group("y1"):
            return dt.date(int(match["y1"]), _month(match["m1"]), int(match["d1"]))
        if match.group("y2"):
            return dt.date(int(match["y2"]), _month(match["m2"]), int(match["d2"]))
    except ValueError:
        return None
    return None


def _month(word: str) -> int:
    return MONTHS[word.lower().rstrip(".")]


def shift_dates(text: str, days: int, anchor: dt.date) -> str:
    """Every date the text writes moved by ``days`` (a multiple of 7: weekdays stay true).

    A month and day without a year are read in the year nearest the article's first full
    date; a bare year moves as that date's year does.
    """
    first = next((d for m in _DATE.finditer(text) if (d := _full_date(m))), anchor)
    delta = dt.timedelta(days=days)
    years = (first + delta).year - first.year
    pieces: list[str] = []
    at = 0
    for match in _DATE.finditer(text):
        moved = _moved(match, first, delta)
        if moved is None:
            continue
        pieces += [_YEAR.sub(lambda y: str(int(y.group(1)) + years), text[at : match.start()])]
        pieces.append(moved)
        at = match.end()
    pieces.append(_YEAR.sub(lambda y: str(int(y.group(1)) + years), text[at:]))
    return "".join(pieces)


def _moved(match: re.Match[str], first: dt.date, delta: dt.timedelta) -> str | None:
    full = _full_date(match)
    if match.group("iso"):
        return (full + delta).isoformat() if full else None
    if full is not None:
        day = full + delta
        if match.group("mdy"):
            return f"{MONTH_NAMES[day.month - 1][0]} {day.day}, {day.year}"
        return f"{day.day} {MONTH_NAMES[day.month - 1][0]} {day.year}"
    month = _month(match["m1"] or match["m2"])
    number = int(match["d1"] or match["d2"])
    candidates = []
    for year in (first.year - 1, first.year, first.year + 1):
        try:
            candidates.append(dt.date(year, month, number))
        except ValueError:
            continue
    if not candidates:
        return None
    day = min(candidates, key=lambda d: abs((d - first).days)) + delta
    if match.group("mdy"):
        return f"{MONTH_NAMES[day.month - 1][0]} {day.day}"
    return f"{day.day} {MONTH_NAMES[day.month - 1][0]}"


def _versions(rng: random.Random, cap: int) -> int:
    return min(cap, int(rng.paretovariate(PARETO_SHAPE)))


def _rewrite(text: str, rng: random.Random, version: int) -> str:
    """One outlet's version of a wire story: the head kept, body paragraphs reordered and,
    past the first version, one dropped."""
    paragraphs = text.split("\n\n")
    head, body = paragraphs[:2], paragraphs[2:]
    rng.shuffle(body)
    if version and len(body) >= 3:
        body.pop(rng.randrange(len(body)))
    return "\n\n".join(head + body)


def _rename(match: re.Match[str], *, keep: set[str], copy: int) -> str:
    """A name of a copy: kept when the story's own, else a made-up one of that copy."""
    name = match.group(1)
    if name in keep or not _is_renamable(name):
        return name
    return _pseudonym(name, copy)


def build_news(
    n: int, out: Path, seed: int = 7, stories: dict[str, Story] | None = None
) -> CorpusFacts:
    """Write n article files into out/ and say what the corpus holds; ``stories``, when
    given, gets the story each file tells (see ``Story``)."""
    rng = random.Random(seed)
    folders = source_folders()
    out.mkdir(parents=True, exist_ok=True)
    # A cap that lets the small corpora still hold many stories.
    cap = max(1, min(MAX_VERSIONS, n // 100))
    slots = {f.name: rng.sample(range(SLOTS), SLOTS) for f in folders}
    written: set[bytes] = set()
    names: Counter[str] = Counter()
    copy_sizes: list[int] = []
    years: list[int] = []
    count = 0
    copy_number = 0
    while count < n:
        folder = rng.choice(folders)
        copy_number += 1
        free = slots[folder.name]
        slot = free.pop() if free else rng.randrange(SLOTS)
        days = -7 * WEEKS_APART * slot
        versions = _versions(rng, cap)
        years.append((folder.anchor + dt.timedelta(days=days)).year)
        size = 0
        for text in folder.texts:
            renamed = _NAME.sub(partial(_rename, keep=folder.keep, copy=copy_number), text)
            shifted = shift_dates(renamed, days, folder.anchor)
            if not _DATE_LINE.match(shifted) and rng.random() < DATED_SHARE:
                story_day = folder.anchor + dt.timedelta(days=days)
                shifted = f"date {story_day.isoformat()} {shifted.lstrip()}"
            named = {w for w in _NAME.findall(shifted) if w in folder.keep}
            for version in range(versions):
                if count >= n:
                    break
                article = _rewrite(shifted, rng, version)
                digest = hashlib.blake2b(article.encode(), digest_size=16).digest()
                tries = 0
                while digest in written and tries < 20:
                    article = _rewrite(shifted, rng, version + 1)
                    digest = hashlib.blake2b(article.encode(), digest_size=16).digest()
                    tries += 1
                if digest in written:
                    continue  # nothing new to say: another version would be a copy
                written.add(digest)
                name = f"{count:06d}.txt"
                (out / name).write_text(article, "utf-8")
                if stories is not None:
                    stories[name] = Story(folder.name, copy_number)
                names.update(named)
                count += 1
                size += 1
        copy_sizes.append(size)
    top, top_count = names.most_common(1)[0] if names else ("", 0)
    return CorpusFacts(
        articles=count,
        copies=copy_number,
        largest_copy=max(copy_sizes),
        first_year=min(years),
        last_year=max(years),
        top_name=top,
        top_name_share=top_count / max(count, 1),
        folders=len(folders),
    )


def prepared(n: int, keep: Path | None, scratch: Path) -> tuple[Path, CorpusFacts]:
    """The corpus of n articles: built in ``scratch``, or kept in (and reused from)
    ``keep``/news-N when given, so that a 100,000-article corpus is written once."""
    folder = (keep or scratch) / f"news-{n}"
    facts_file = folder / "facts.json"
    if keep is not None and facts_file.exists():
        return folder / "articles", CorpusFacts(**json.loads(facts_file.read_text()))
    stories: dict[str, Story] = {}
    facts = build_news(n, folder / "articles", stories=stories)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / STORIES_FILE).write_text(json.dumps(stories))
    facts_file.write_text(json.dumps(dataclasses.asdict(facts)))
    return folder / "articles", facts


def words_in(folder: Path) -> int:
    return sum(len(p.read_text("utf-8").split()) for p in folder.glob("*.txt"))


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("news-corpus")
    print(build_news(n, out).line())


if __name__ == "__main__":
    main()
