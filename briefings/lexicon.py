"""The lexicon: every word table of ``briefings/data``, read once and shared.

This is the only module that reads the data folder. Its files come in a few shapes:

- **word lists** (``*.txt``): ``[section]`` headers and one entry a line (``sections``);
- **rule tables** (``boilerplate.txt``, ``credits.txt``, ``outlets.txt``): lines in a format
  of their own, parsed by the module that applies them (``text``);
- **TOML** (``facets.toml``, ``topics.toml``): rules with settings (``toml``);
- **TSV** (``world.tsv``, ``spellings.tsv``): one record a line, tab-separated (``rows``).

Every file opens with ``#`` comments saying what it is for. Loads are cached: each file is
read once a process, and what is returned must not be changed by its callers.
"""

from __future__ import annotations

import re
import sys
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol


@cache
def text(name: str) -> str:
    """The text of a data file, as shipped."""
    return resources.files("briefings").joinpath(f"data/{name}").read_text("utf-8")


@cache
def sections(name: str) -> Mapping[str, tuple[str, ...]]:
    """A shipped word list, by section (see ``parse_sections``)."""
    return parse_sections(text(name))


def parse_sections(table: str) -> Mapping[str, tuple[str, ...]]:
    """A word list: its ``[section]`` headers and one entry a line, # comments skipped.

    Entries before the first header are in the section ``""``.
    """
    out: dict[str, list[str]] = {"": []}
    current = ""
    for raw in table.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            out.setdefault(current, [])
        else:
            out[current].append(line)
    return MappingProxyType({section: tuple(entries) for section, entries in out.items()})


def words(name: str, section: str) -> tuple[str, ...]:
    """The entries of one section of a word list."""
    return sections(name)[section]


@cache
def lower_words(name: str, *section_names: str) -> frozenset[str]:
    """The entries of some sections of a word list (all of them when none is named),
    lower-cased, for membership tests."""
    table = sections(name)
    chosen = section_names or tuple(table)
    return frozenset(w.lower() for section in chosen for w in table[section])


@cache
def toml(name: str) -> Mapping[str, Any]:
    """A shipped TOML table."""
    return tomllib.loads(text(name))


def toml_file(path: str | Path) -> dict[str, Any]:
    """A TOML table an operator gives in place of a shipped one (read afresh each time)."""
    return tomllib.loads(Path(path).read_text("utf-8"))


@cache
def rows(name: str) -> tuple[tuple[str, ...], ...]:
    """A shipped TSV table (see ``parse_rows``)."""
    return parse_rows(text(name))


def parse_rows(table: str) -> tuple[tuple[str, ...], ...]:
    """A TSV table: its lines split at tabs, cells stripped, # comments and blank lines skipped."""
    return tuple(
        tuple(cell.strip() for cell in line.split("\t"))
        for line in table.splitlines()
        if line.strip() and not line.startswith("#")
    )


@dataclass(frozen=True)
class Country:
    """One line of the world table (``data/world.tsv``)."""

    name: str
    demonym: str = ""
    """The adjective a person's nationality is reported as ("Russian")."""
    capital: str = ""
    short_names: tuple[str, ...] = ()
    """Other names as written ("US", "U.K.", "Czechia"): matched case-sensitively."""
    seats: tuple[str, ...] = ()
    """Institutions whose name speaks for the country ("Quirinale"), as written."""
    other_demonyms: tuple[str, ...] = ()
    """More words for its people ("Briton", "Britons", "Brit")."""
    other_capitals: tuple[str, ...] = ()
    """Other spellings of the capital ("Bombay")."""

    @property
    def aliases(self) -> tuple[str, ...]:
        """What stands for the country as written, never in another case ("US" is not "us"):
        its short names and its seats of government."""
        return self.short_names + self.seats

    @property
    def nationality_words(self) -> tuple[str, ...]:
        return ((self.demonym,) if self.demonym else ()) + self.other_demonyms

    @property
    def capitals(self) -> tuple[str, ...]:
        return ((self.capital,) if self.capital else ()) + self.other_capitals


@cache
def countries() -> tuple[Country, ...]:
    """The world table: every country with its nationality words, capital and other names."""
    return parse_countries(rows("world.tsv"))


def parse_countries(table: Iterable[tuple[str, ...]]) -> tuple[Country, ...]:
    """Countries from world-table rows: country, nationality, capital, short names, seats."""
    out = []
    for row in table:
        name, nationality, capital, short_names, seats = (row + ("",) * 4)[:5]
        demonyms, capitals = _cell(nationality), _cell(capital)
        out.append(
            Country(
                name,
                demonyms[0] if demonyms else "",
                capitals[0] if capitals else "",
                _cell(short_names),
                _cell(seats),
                demonyms[1:],
                capitals[1:],
            )
        )
    return tuple(out)


def _cell(cell: str) -> tuple[str, ...]:
    """The entries of a table cell: " | " between them."""
    return tuple(entry.strip() for entry in cell.split("|") if entry.strip())


@cache
def _spellings() -> tuple[tuple[str, str], ...]:
    return tuple((variant, spelling) for variant, spelling, *_ in rows("spellings.tsv"))


def respell(lowered: str) -> str:
    """A lower-case text with each variant spelling of ``data/spellings.tsv`` written the one
    way words are compared in ("defence" → "defense")."""
    for variant, spelling in _spellings():
        lowered = lowered.replace(variant, spelling)
    return lowered


def trie_pattern(words: Iterable[str]) -> str:
    """A regular expression matching any of ``words``, written as a trie ("sanction|sancti…"
    share "sanct"), the longest match first."""
    trie: dict[str, dict] = {}  # type: ignore[type-arg]
    words = [w for w in words if w]
    if not words:
        return "(?!)"
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def render(node: dict) -> str:  # type: ignore[type-arg]
        branches = [re.escape(char) + render(child) for char, child in sorted(node.items()) if char]
        branches.sort(key=len, reverse=True)
        if "" in node:
            return f"(?:{'|'.join(branches)})?" if branches else ""
        return branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"

    return render(trie)


# What case-blind matching gives a letter that lowering does not: long "ſ" and dotless "ı"
# match "s" and "i" and lower to themselves; "İ" matches "i" and lowers to two characters.
CASE_BLIND_ODD = "ſıİ"
_CASE_BLIND_LETTERS = str.maketrans({"ſ": "s", "ı": "i", "İ": "i"})


def case_key(matched: str) -> str:
    """The lowercase word a case-blind match of one stands for, to look it up by: the match
    lowered, with ſ, ı and İ read as the letters they match ("yeſterday" is "yesterday";
    lowered alone, it is found in no table and failed the text)."""
    return matched.translate(_CASE_BLIND_LETTERS).lower()


_LOWERING_DIFFERS = re.compile(f"[{CASE_BLIND_ODD}]")


def lowers_as_case_blind(text: str) -> bool:
    """Whether a pattern of lowercase ASCII finds in the text's lowercase what it finds in
    the text case-blind, at the same positions: unless the text holds ſ, ı or İ (see
    case_key), every character lowers to one of the same word class, and an ASCII letter
    matches case-blind only the characters that lower to it."""
    return text.isascii() or _LOWERING_DIFFERS.search(text) is None


_last_lowered: tuple[str, str | None] = ("", "")
"""The last text a WordPattern read and its lowercase (None if matched case-blind): several
lists are read of one sentence in turn (half the reads of a briefing), each lowering it."""


def _lowercase_of(text: str) -> str | None:
    """The text's lowercase, or None when it must be matched case-blind."""
    global _last_lowered
    last = _last_lowered  # one read: another thread may replace it
    if last[0] is text:
        return last[1]
    lowered = text.lower() if lowers_as_case_blind(text) else None
    _last_lowered = (text, lowered)
    return lowered


class TextPattern(Protocol):
    """What reads a text for words: a compiled pattern or a WordPattern."""

    def search(
        self, text: str, pos: int = 0, endpos: int = sys.maxsize
    ) -> re.Match[str] | None: ...

    def match(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None: ...

    def finditer(
        self, text: str, pos: int = 0, endpos: int = sys.maxsize
    ) -> Iterator[re.Match[str]]: ...


class WordPattern:
    """A case-blind pattern of lowercase ASCII words, matched in the text's lowercase.

    Case-blind matching tries both cases of every letter at every position; the same
    pattern without IGNORECASE over the lowered text is 1.5 to 2 times as fast (analysis
    searches each sentence for happening words, a briefing with several lists). The two
    find the same spans: an ASCII letter matches case-blind exactly what lowers to it, and
    lowering keeps what is a word character and every length, but for ſ, ı and İ (a text
    holding one is matched case-blind). The matches are of the lowered text: read their
    positions, not their text.
    """

    __slots__ = ("_blind", "_lowered")

    def __init__(self, source: str, words: Iterable[str]) -> None:
        self._blind = re.compile(source, re.IGNORECASE)
        plain = all(w.isascii() and w == w.lower() for w in words)
        self._lowered = re.compile(source) if plain else None

    def _pick(self, text: str) -> tuple[re.Pattern[str], str]:
        if self._lowered is None:
            return self._blind, text
        lowered = _lowercase_of(text)
        return (self._blind, text) if lowered is None else (self._lowered, lowered)

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        pattern, text = self._pick(text)
        return pattern.search(text, pos, endpos)

    def match(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        pattern, text = self._pick(text)
        return pattern.match(text, pos, endpos)

    def fullmatch(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        pattern, text = self._pick(text)
        return pattern.fullmatch(text, pos, endpos)

    def finditer(
        self, text: str, pos: int = 0, endpos: int = sys.maxsize
    ) -> Iterator[re.Match[str]]:
        pattern, text = self._pick(text)
        return pattern.finditer(text, pos, endpos)


@cache
def word_pattern(name: str, section: str) -> WordPattern:
    """Any word or phrase of one section of a word list, whole ("met" not in "metro",
    "sanction" not in "sanctioned" unless listed), in any case."""
    lowered = [w.lower() for w in words(name, section)]
    return WordPattern(rf"(?<![\w-])(?:{trie_pattern(lowered)})(?![\w-])", lowered)
