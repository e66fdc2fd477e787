"""Entities: the word tables and the capitalised runs that people, places and organisations
are found in.

Over 400 lines: the token classes, the runs they form and the decision which runs name
places and organisations read the same word tables, built once here.

A *run* is a stretch of capitalised tokens ("Japanese Foreign Minister Kenji Sato"),
joined only by spaces and name particles ("von der", "bin"). Each token gets a class from the
tables in ``data/`` (title, nationality, country, place, organisation cue, stop word…); the
tokens no table claims can be part of a name. This module also decides which runs name
places and organisations, from a generic world table and from cue words around them ("the
resort of X", "the X party", "Foreign Ministry"): never from a list of particular names.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from briefings.lexicon import countries, sections, trie_pattern, words

# Token classes, as bit flags: a word can be several things ("Chief" is a title and a modifier).
TITLE = 1
HONORIFIC = 2
NATION = 4  # an adjective or demonym: "French", "Germans"
COUNTRY = 8
PLACE = 16  # capitals and world regions
ORG = 32  # a known institution, agency or metonym
ORG_CUE = 64  # "Ministry", "Party"
GEO_CUE = 128  # "Sea", "Valley"
STOP = 256
MODIFIER = 512  # may stand inside a role: "Deputy", "National"
COMPASS = 1024
CUE = 2048  # shows a person but is no role: "counterpart"
MONTH = 4096
ACRONYM = 8192
ABBREVIATION = 16384  # a title written with a full stop: "Gen.", "Mr."
NOT_NAME = (
    TITLE | HONORIFIC | NATION | COUNTRY | PLACE | ORG | ORG_CUE | GEO_CUE | STOP | MODIFIER
) | (COMPASS | CUE | ACRONYM)

_SPACE = r"[ \t\u00a0]"
# Upper-case letters that can start a name: Latin (with accents), Greek and Cyrillic.
_UP = "A-Z" + "".join(chr(c) for c in range(0xC0, 0x250) if chr(c).isupper()) + "Α-ΩА-Я"
NAME_PARTICLES: frozenset[str] = frozenset(words("names.txt", "particles"))
"""Lower-case words inside names ("da", "von der", "bin"): part of a name, never its core."""
_PARTICLES = trie_pattern(sorted(NAME_PARTICLES))
ARTICLE_PREFIXES: tuple[str, ...] = tuple(f"{a}-" for a in words("names.txt", "articles"))
"""The Arabic article joined to a name ("al-"): "al-Assad" and "Assad" are one name."""


# Letters that Unicode does not decompose into a base letter and an accent, so NFKD alone
# would leave "Øyvind" apart from "Oyvind" and "Łukasz" apart from "Lukasz".
_UNDECOMPOSED = str.maketrans(
    {
        "Ø": "O",
        "ø": "o",
        "Ł": "L",
        "ł": "l",
        "Đ": "D",
        "đ": "d",
        "Ħ": "H",
        "ħ": "h",
        "ı": "i",
        "Æ": "AE",
        "æ": "ae",
        "Œ": "OE",
        "œ": "oe",
        "ß": "ss",
        "Þ": "Th",
        "þ": "th",
    }
)


class _FoldedChars(dict[int, str]):
    """A character → the same without accents, worked out the first time it is met.

    NFKD decomposes each character on its own, and what it puts in order are the combining
    marks, which are dropped: so folding character by character gives what folding the
    whole text gives (a test checks it on every word of the corpora)."""

    def __missing__(self, code: int) -> str:
        decomposed = unicodedata.normalize("NFKD", chr(code).translate(_UNDECOMPOSED))
        folded = self[code] = "".join(c for c in decomposed if not unicodedata.combining(c))
        return folded


_FOLDED_CHARS = _FoldedChars()
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _fold_run(run: re.Match[str]) -> str:
    return run.group().translate(_FOLDED_CHARS)


def fold(text: str) -> str:
    """Lower-case and strip accents, so that "Øyvind" and "Oyvind" compare equal."""
    if text.isascii():
        return text.lower()
    # Most texts are ASCII but for a few curly quotes or accented names: only those are
    # looked up (lower() last, on the whole text, as it depends on context: a final sigma).
    return _NON_ASCII.sub(_fold_run, text).lower()


def read_sections(name: str) -> dict[str, list[str]]:
    """A word list as ``briefings.lexicon.sections`` reads it, in lists: kept only for
    ``events``, which imports it from here until it asks the lexicon itself."""
    return {section: list(entries) for section, entries in sections(name).items()}


@dataclass(frozen=True)
class Lexicon:
    """The word tables, loaded once from ``briefings/data``."""

    word_class: dict[str, int]
    """Lower-cased single word → token class flags."""
    phrases: dict[str, int]
    """Lower-cased multi-word names ("saudi arabia", "white house") → class flags."""
    phrase_starts: frozenset[str]
    nationality: dict[str, str]
    """Lower-cased country, adjective or demonym → the adjective ("japan" → "Japanese")."""
    speech: re.Pattern[str]
    speech_before: re.Pattern[str]
    """A speech verb ending a text: "…,\" said X"."""
    participles: re.Pattern[str]
    between_people: frozenset[str]
    anonymous: re.Pattern[str]
    token: re.Pattern[str]
    org_after: re.Pattern[str]
    org_before: re.Pattern[str]
    place_after: re.Pattern[str]
    place_before: re.Pattern[str]


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The tables, read from the data files on first use."""
    word_class: dict[str, int] = {}
    phrases: dict[str, int] = {}
    nationality: dict[str, str] = {}

    def add(entry: str, flag: int) -> None:
        # Acronyms match as written only: "UN" is not "Un" (a Korean given name), "US" is not "us".
        key = entry if entry.replace(".", "").isupper() and len(entry) > 1 else entry.lower()
        table = phrases if " " in key else word_class
        table[key] = table.get(key, 0) | flag

    for entry in sections("peoples.txt")["peoples"]:
        add(entry, NATION)
    for country in countries():
        for name in (country.name, *country.short_names):
            add(name, COUNTRY)
            if country.demonym:
                nationality[name.lower()] = country.demonym
        for word in country.nationality_words:
            # The world table lists irregular plurals; "-an" and "-i" ones are derived here.
            forms = [word] + ([word + "s"] if word.endswith(("an", "i")) else [])
            for form in forms:
                add(form, NATION)
                nationality[form.lower()] = country.demonym
        for capital in country.capitals:
            add(capital, PLACE)
    places = sections("places.txt")
    for section, flag in (("regions", PLACE), ("compass", COMPASS)):
        for entry in places[section]:
            add(entry, flag)
    for entry in places["name cues"]:
        add(entry, GEO_CUE)
    orgs = sections("organisations.txt")
    for entry in orgs["known"]:
        add(entry, ORG)
    for entry in orgs["name cues"]:
        add(entry, ORG_CUE)
    roles = sections("roles.txt")
    for section, flag in (
        ("titles", TITLE),
        ("modifiers", MODIFIER),
        ("honorifics", HONORIFIC),
        ("cues", CUE),
    ):
        for entry in roles[section]:
            add(entry, flag)
    for entry in roles["abbreviations"]:
        add(entry, ABBREVIATION | (0 if word_class.get(entry.lower(), 0) & HONORIFIC else TITLE))
    stops = sections("stopwords.txt")
    for section, entries in stops.items():
        for entry in entries:
            add(entry, MONTH if section == "months" else STOP)
    verbs = sections("verbs.txt")
    names = sections("names.txt")

    abbreviations = trie_pattern(roles["abbreviations"])
    word = r"[^\W_]"
    letters = r"[^\W\d_]"
    # A token starts with a capital, or with an abbreviation's or a prefix's first letter:
    # looked at first, every other position fails at once, before the look-behind and the
    # branches are tried (runs read every sentence token by token: 20% less time).
    first_letters = {w[0] for w in (*roles["abbreviations"], *names["hyphenated prefixes"]) if w}
    starts = _UP + "".join(re.escape(c) for c in sorted(first_letters))
    token = re.compile(
        rf"(?=[{starts}])(?<![\w'’-])(?:(?:{abbreviations})\.(?=\s)"
        rf"|(?:[{_UP}]\.){{2,}}|[{_UP}]\.(?=\s)"
        rf"|(?:(?:{trie_pattern(names['hyphenated prefixes'])})-)?[{_UP}]{word}*"
        rf"(?:['’]{letters}+)*(?:-{word}+(?:['’]{letters}+)*)*)"
    )
    return Lexicon(
        word_class=word_class,
        phrases=phrases,
        phrase_starts=frozenset(p.split()[0] for p in phrases),
        nationality=nationality,
        speech=re.compile(rf"(?:{trie_pattern(verbs['speech'])})\b"),
        # "…," said X: the verbs whose speaker may follow them, not those that take an object
        # ("told X", "asked X", "urged X": X listens).
        speech_before=re.compile(
            rf"\b(?:{trie_pattern(set(verbs['speech']) - set(verbs['takes an object']))}){_SPACE}+$"
        ),
        participles=re.compile(rf"\b(?:{trie_pattern(verbs['participles'])})\b"),
        between_people=frozenset(verbs["between people"]),
        anonymous=re.compile(rf"\b(?:{trie_pattern(verbs['anonymous speakers'])})\b"),
        token=token,
        org_after=re.compile(rf"{_SPACE}+(?:{trie_pattern(orgs['cues after'])})\b"),
        org_before=re.compile(rf"\b(?:{trie_pattern(orgs['cues before'])}){_SPACE}+$"),
        place_after=re.compile(rf"{_SPACE}+(?:{trie_pattern(places['cues after'])})\b"),
        place_before=re.compile(
            rf"(?<![\w-])(?:{trie_pattern(places['cues before'])}){_SPACE}+(?:the{_SPACE}+)?"
            rf"(?:[{_UP}]\w+['’]s{_SPACE}+)?$"
        ),
    )


class Token(NamedTuple):
    start: int
    end: int
    text: str
    """As written, without a possessive "'s"."""
    lower: str
    cls: int
    possessive: bool


_CLASS_CACHE: dict[str, int] = {}
_REGNAL_NUMBER = re.compile(r"(?:X{0,2})(?:IX|IV|V?I{1,3}|V)")
_GAP = re.compile(rf"{_SPACE}+(?:(?:{_PARTICLES}){_SPACE}+){{0,2}}")


def _token_class(text: str, word_class: dict[str, int]) -> int:
    cls = class_of(text, word_class)
    if cls:
        return cls
    lower = text.lower()
    if "-" in text and not text.startswith(ARTICLE_PREFIXES):
        # "Franco-German", "Japan-US", "Chinese-born": a compound of a nation word.
        for part in lower.split("-"):
            if word_class.get(part, 0) & (NATION | COUNTRY):
                return NATION
    if _REGNAL_NUMBER.fullmatch(text):
        return 0  # "Mohammed VI", "Charles III": part of a name, not an acronym
    if len(text) > 1 and text.isupper() and "." not in text:
        return ACRONYM
    return 0


def class_of(word: str, word_class: dict[str, int]) -> int:
    """The class of one word as written ("UN" and "Un" differ; "Gen." is "Gen"; "Presidents"
    is a title as "President" is)."""
    if not word:
        return 0  # a word of punctuation alone, stripped to nothing ("(" before a name)
    if word.replace(".", "").isupper() and len(word) > 1:
        cls = word_class.get(word, 0) or word_class.get(word.rstrip("."), 0)
        if cls:
            return cls
    lower = word.lower()
    found = word_class.get(lower, 0) or (word_class.get(lower[:-1], 0) if lower[-1] == "." else 0)
    if not found and len(lower) > 4 and lower.endswith("s"):
        found = word_class.get(lower[:-1], 0) & (TITLE | MODIFIER)
    return found


def runs(text: str) -> list[list[Token]]:
    """The capitalised runs of a text; a possessive token ends its run."""
    lex = lexicon()
    word_class = lex.word_class
    gap = _GAP.fullmatch
    cache = _CLASS_CACHE
    out: list[list[Token]] = []
    current: list[Token] = []
    last: Token | None = None
    for m in lex.token.finditer(text):
        raw = m.group()
        start = m.start()
        possessive = len(raw) > 3 and raw.endswith(("'s", "’s"))
        base = raw[:-2] if possessive else raw
        cls = cache.get(base)
        if cls is None:
            if len(cache) > 100_000:  # the cache only saves time: keep it bounded
                cache.clear()
            cls = cache[base] = _token_class(base, word_class)
        tok = Token(start, start + len(base), base, base.lower(), cls, possessive)
        if last is not None and not last.possessive and gap(text, last.end, start):
            current.append(tok)
        else:
            current = [tok]
            out.append(current)
        last = tok
    starts = lex.phrase_starts
    for run in out:
        if len(run) > 1 and any(t.lower in starts for t in run):
            _mark_phrases(run, lex.phrases)
    return out


def _mark_phrases(run: list[Token], phrases: dict[str, int]) -> None:
    """Give the tokens of a known multi-word name ("Saudi Arabia") the name's class."""
    i = 0
    while i < len(run) - 1:
        for length in (4, 3, 2):
            if i + length <= len(run):
                key = " ".join(t.lower for t in run[i : i + length])
                cls = phrases.get(key)
                if cls:
                    for j in range(i, i + length):
                        run[j] = run[j]._replace(cls=cls | (run[j].cls & (TITLE | MODIFIER)))
                    i += length - 1
                    break
        i += 1


@dataclass
class Found:
    """Places and organisations found so far in one article, in order of appearance.

    A *weak* finding rests only on a cue that a person could also stand in ("in X", "the X
    government", "X Director"): it is dropped if X turns out to be a person.
    """

    entries: dict[str, tuple[str, str, bool]] = field(default_factory=dict)
    """Folded name → (kind "place" or "organisation", name as written, is weak)."""

    def add(self, kind: str, name: str, weak: bool = False) -> None:
        key = fold(name)
        old = self.entries.get(key)
        if old is None or (old[2] and not weak):
            self.entries[key] = (kind, name, weak)
        elif old[1].isupper() and not name.isupper():  # "MOSCOW, Sept. 12": prefer "Moscow"
            self.entries[key] = (old[0], name, old[2])


def _span(text: str, run: list[Token], i: int, j: int) -> str:
    return text[run[i].start : run[j].end]


def _phrase_end(run: list[Token], i: int, flag: int, phrases: dict[str, int]) -> int:
    """Index of the last token of the known multi-word name starting at ``i``, else ``i``."""
    for j in range(min(len(run), i + 4) - 1, i, -1):
        if all(t.cls & flag for t in run[i : j + 1]) and (
            " ".join(t.lower for t in run[i : j + 1]) in phrases
        ):
            return j
    return i


def classify_run(text: str, run: list[Token], found: Found) -> set[int]:
    """Record the places and organisations a run names; return the indexes of their tokens."""
    lex = lexicon()
    used: set[int] = set()
    n = len(run)
    if n == 1:  # most runs: one capitalised word
        tok = run[0]
        if tok.cls & ORG:
            found.add("organisation", tok.text)
            return {0}
        if tok.cls & (COUNTRY | PLACE) and not tok.cls & NATION:
            found.add("place", tok.text)
            return {0}
        if tok.possessive or tok.cls & ((NOT_NAME & ~ACRONYM) | MONTH):
            return used
    placeish = COUNTRY | PLACE | COMPASS
    for i, tok in enumerate(run):
        if i not in used and tok.cls & ORG:
            j = _phrase_end(run, i, ORG, lex.phrases)
            found.add("organisation", _span(text, run, i, j))
            used.update(range(i, j + 1))
    for i, tok in enumerate(run):
        if i in used:
            continue
        # "Red Sea", "Mount X", "North Slope", "Far East": a geographic word with a name.
        nxt = run[i + 1].cls if i + 1 < n else -1
        if tok.cls & GEO_CUE or (
            tok.cls & COMPASS and nxt >= 0 and (not nxt & NOT_NAME or nxt & placeish)
        ):
            j = i
            while (
                j > 0
                and j - 1 not in used
                and not run[j - 1].possessive
                and (not run[j - 1].cls & NOT_NAME or run[j - 1].cls & placeish)
            ):
                j -= 1
            k = i
            while (
                k + 1 < n
                and k + 1 not in used
                and not run[k].possessive
                and (not run[k + 1].cls & NOT_NAME or run[k + 1].cls & (placeish | GEO_CUE))
            ):
                k += 1
            if k > j:
                found.add("place", _span(text, run, j, k))
                used.update(range(j, k + 1))
    for i, tok in enumerate(run):
        if tok.cls & ORG_CUE and i not in used:
            j = i
            while (
                j > 0
                and j - 1 not in used
                and not run[j - 1].cls & (STOP | HONORIFIC)
                and (not run[j - 1].possessive or run[j - 1].cls & TITLE)
            ):
                j -= 1
            k = i
            while k + 1 < n and run[k + 1].cls & ORG_CUE:
                k += 1
            if k > j:
                found.add("organisation", _span(text, run, j, k))
                used.update(range(j, k + 1))
    for i, tok in enumerate(run):
        if i not in used and tok.cls & (COUNTRY | PLACE) and not tok.cls & NATION:
            j = _phrase_end(run, i, COUNTRY | PLACE, lex.phrases)
            found.add("place", _span(text, run, i, j))
            used.update(range(i, j + 1))
    if n > 1 and 0 not in used and not run[0].cls & NOT_NAME and run[1].cls & TITLE:
        # "X Director Y": a single name before a title is the title's institution.
        found.add("organisation", run[0].text, weak=True)
        used.add(0)
    # A name-able tail followed by a lower-case cue ("the X party", "the X residence").
    tail = _name_tail(run, used)
    if tail is not None:
        after = text[run[-1].end : run[-1].end + 24]
        if lex.org_after.match(after):
            found.add("organisation", _span(text, run, tail, n - 1), weak=True)
            used.update(range(tail, n))
        elif lex.place_after.match(after):
            found.add("place", _span(text, run, tail, n - 1))
            used.update(range(tail, n))
    head = _name_head(run, used)
    if head is not None:
        before = text[max(0, run[0].start - 40) : run[0].start]
        i, j = head
        if lex.org_before.search(before):
            found.add("organisation", _span(text, run, i, j), weak=True)
            used.update(range(i, j + 1))
        elif lex.place_before.search(before):
            found.add("place", _span(text, run, i, j), weak=True)
    return used


def _name_tail(run: list[Token], used: set[int]) -> int | None:
    """Start index of the name-able tokens that end a run, if the run ends with such."""
    n = len(run)
    if run[-1].possessive or (n - 1) in used or run[-1].cls & ((NOT_NAME & ~ACRONYM) | MONTH):
        return None
    i = n - 1
    while i > 0 and (i - 1) not in used and not run[i - 1].cls & NOT_NAME:
        i -= 1
    return i


def _name_head(run: list[Token], used: set[int]) -> tuple[int, int] | None:
    """The first name-able tokens of a run, after leading nation and compass words."""
    i = 0
    while i < len(run) and run[i].cls & (NATION | COMPASS) and i not in used:
        i += 1
    if (
        i >= len(run)
        or i in used
        or run[i].cls & ((NOT_NAME & ~ACRONYM) | MONTH)
        or run[i].possessive
    ):
        return None
    j = i
    while j + 1 < len(run) and (j + 1) not in used and not run[j + 1].cls & NOT_NAME:
        j += 1
    return i, j
