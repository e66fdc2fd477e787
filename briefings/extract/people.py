"""People: who an article names, with their roles, nationality, sentences and quotes.

Over 400 lines: names, their roles and their quotes are found in one pass over the same
tokens and sentences; the later steps need the earlier ones' spans.

Rules, not a model. A person is a capitalised name of two to four words (accents, hyphens,
apostrophes and particles such as "al-", "bin", "von der" allowed) that the article shows to
be a person: a title or role before it ("Japanese Foreign Minister Kenji Sato"), a speech
verb ("X said", "said X"), a cue ("his rival X", "Mr. X"), a verb between people ("met with
X"), or its surname being used on its own as a speaker elsewhere in the article. A surname
alone ("Sato", "Sato's") links to the full name wherever it stands; a surname only
ever seen after a title ("Prime Minister X") is a person named by that surname.

Convention for roles: the role is kept as the article words it, nationality included
("Japanese Foreign Minister"), and the nationality is also given on its own ("Japanese").
A role that only repeats another one without the nationality ("President" beside "French
President") is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from briefings.extract.entities import (
    ABBREVIATION,
    ARTICLE_PREFIXES,
    COUNTRY,
    CUE,
    HONORIFIC,
    MODIFIER,
    MONTH,
    NAME_PARTICLES,
    NATION,
    NOT_NAME,
    ORG_CUE,
    STOP,
    TITLE,
    Found,
    Token,
    class_of,
    classify_run,
    fold,
    lexicon,
    runs,
)
from briefings.lexicon import lower_words, trie_pattern
from briefings.models import Entities, PersonMention, Sentence

_LOWER_WORD = re.compile(r"(?<![\w'’-])[a-z]+\b")
_CONNECTORS = lower_words("roles.txt", "connectors")
"""Small words inside a role: "Minister of Foreign Affairs"."""
_LINK_VERBS = lower_words("verbs.txt", "links")
"""Prepositions after a verb between people: "met with X"."""
_HARD_STOP = ',;:"“”«»()[]'
_LEADING_PUNCT = ".\"“‘«(['’"
_CREDIT = re.compile(r"©|\b(?:[Pp]hotos?|[Pp]icture|[Ii]mage|[Cc]redit)(?: by)?\s*:|\(Photo by\b")
_CREDIT_END = re.compile(rf"\)|\s(?!(?:{trie_pattern(sorted(NAME_PARTICLES))})\s)[a-z]")
_SLASH_AFTER = re.compile(r"\s*/\s*\S")
_SLASH_BEFORE = re.compile(r"\S\s*/\s*$")
_AGE = re.compile(r",\s*\d{1,3},")
_ADVERBS = r"(?:(?:also|has|had|then|later|previously|earlier|again|once|further|reportedly)\s+)?"
_APPOSITION = re.compile(
    r"(?:,|\s+(?:--|–|—))\s+(?:(?P<who>who\s+(?:also\s+)?(?:serves|served|is|was|has\s+been|"
    r"had\s+been)\s+(?:as\s+)?)(?:the\s+|an?\s+)?|(?:the\s+|an?\s+)?)"
    r"(?P<role>[^,;.\"“”()–—]{3,80}?)\s*(?=[,;.–—]|\s--|\swho\b|$)"
)
_PREDICATE = re.compile(
    r"\s+(?:is|was|has\s+been|had\s+been|became|remains|remained|serves\s+as|served\s+as)\s+"
    r"(?:(?:then|now|also|currently|formerly|previously|still|once)\s+)?"
    r"(?:(?P<article>the|an?)\s+)?(?P<role>[^,;.\"“”()–—]{3,80}?)\s*"
    r"(?=[,;.–—]|\s--|\s(?:and|who|which|but|when|until|before|after)\s|$)"
)
"""A role stated of a name: "X was then foreign minister and…", "X is a senior envoy."."""
_ROLE_ENDS = re.compile(r"\s+(?:in|at|from|on|since|until|during|with|and|who|which)\s.*$")
"""Where a role given after a name stops: "a vice minister in the capital" is a vice minister."""
_QUOTE = re.compile(r'"([^"]{2,}?)"|“([^”]{2,}?)”|«([^»]{2,}?)»')
_PRONOUN_SPEECH = re.compile(r"\b(?:[Hh]e|[Ss]he)\s+" + _ADVERBS + r"(?=\w)")
_SUBJECT_START = re.compile(r"^[\s\"“«‘'(]*(?:(?:But|And|Yet|However|Meanwhile)\b,?\s+)?$")
_SPEECH_GAP = re.compile(r"(?:,[^,\"“”]{1,100},)?\s+" + _ADVERBS)
_QUOTE_GAP = " \t\n,.;:!?–—-"
_ACCORDING = re.compile(r"\b[Aa]ccording to\s+$")
_ACCORDING_GAP = re.compile(r"\s*[,:]?\s*")
_SPACES = re.compile(r"\s+")
_CUED, _TITLED = 1, 2
_AFTER_TITLE = re.compile(
    r"\b(?:speaker|minister|president|spokesman|spokeswoman|envoy|chairman|leader)\s+$", re.I
)
_AFTER_PREPOSITION = re.compile(r"\b(?:of|in|from|to|at|for|by|on)\s+$")
_INITIALS = re.compile(r"(?:[A-Z]\.)+")


@dataclass
class _Mention:
    sentence: int
    start: int
    end: int
    role_start: int
    name: str
    key: tuple[str, ...]
    role: str | None = None
    nationality: str | None = None
    titled: bool = False
    evidence: bool = False
    spoke: bool = False
    opens_sentence: bool = False
    after_preposition: bool = False
    in_headline: bool = False
    person: int = -1


@dataclass
class _Person:
    name: str
    key: tuple[str, ...]
    roles: list[str] = field(default_factory=list)
    nationality: str | None = None
    sentences: set[int] = field(default_factory=set)
    quotes: list[str] = field(default_factory=list)
    weak: bool = False


def _key(tokens: Sequence[str]) -> tuple[str, ...]:
    """Folded name tokens, with Arabic article prefixes dropped ("al-Assad" = "Assad")."""
    out = []
    for t in tokens:
        f = fold(t)
        article = next((a for a in ARTICLE_PREFIXES if f.startswith(a)), "")
        out.append(f[len(article) :] if article and len(f) > len(article) + 1 else f)
    return tuple(out)


def _is_headline(text: str, title: str) -> bool:
    """A headline: the article's title, or a short line in which most words are capitalised."""
    stripped = text.strip()
    if title and stripped == title.strip():
        return True
    words = stripped.split()
    if not 3 <= len(words) <= 16 or stripped.endswith((".", '"', "”")):
        return False
    return sum(w[0].isupper() for w in words) >= 0.7 * len(words)


def _word_class(word: str) -> int:
    """A word's class inside a role: "Japan's" is its country, "state's" a modifier."""
    word_class = lexicon().word_class
    if word.endswith(("'s", "’s")) and len(word) > 3:
        return class_of(word[:-2], word_class) & (NATION | COUNTRY) or MODIFIER
    return class_of(word, word_class)


def _is_role_word(core: str, lower: str, cls: int) -> bool:
    if cls & (TITLE | MODIFIER | NATION | COUNTRY | ORG_CUE) or lower in _CONNECTORS:
        return True
    if core[:1].isupper():
        return not cls & (STOP | MONTH)
    parts = lower.split("-")
    word_class = lexicon().word_class
    return len(parts) > 1 and all(word_class.get(p, 0) & (TITLE | MODIFIER) for p in parts)


def _role_before(text: str, start: int) -> tuple[int, str | None, str | None, int]:
    """The role written right before a name: (where it starts, role, nationality, evidence).

    Evidence is ``_TITLED`` for a title or honorific, ``_CUED`` for a cue such as "rival".

    Walks back word by word over title words, modifiers, nationality words, capitalised words
    and "of/the/to/for", stopping at punctuation or any other word ("met", "and", "with").
    """
    if start and not text[start - 1].isspace():
        return start, None, None, 0
    kept: list[tuple[int, int, str, int]] = []
    cue = False
    window_start = max(0, start - 160)
    window = text[window_start:start]
    pos = len(window)
    for n, word in enumerate(reversed(window.rsplit(None, 11)[-11:])):
        pos = window.rfind(word, 0, pos)
        word_start = window_start + pos
        core = word.strip(_LEADING_PUNCT + ",").rstrip(".")
        lower = core.lower()
        cls = _word_class(core)
        if n == 0 and cls & HONORIFIC:  # "Mr. X": a person, with no role
            return word_start, None, None, _TITLED
        if n == 0 and cls & CUE:  # "his rival, X", "Turkish counterpart X"
            cue = True
            if word.endswith(","):
                return word_start, None, None, _CUED
            continue
        ends_sentence = (
            word.endswith(".") and not cls & ABBREVIATION and not _INITIALS.fullmatch(word)
        )
        if n > 10 or word[-1] in _HARD_STOP or ends_sentence or not _is_role_word(core, lower, cls):
            break
        lead = len(word) - len(word.lstrip(_LEADING_PUNCT))
        kept.append((word_start + lead, word_start + len(word), lower, cls))
        if word[0] in _LEADING_PUNCT:
            break
    kept.reverse()
    # "a trade adviser to former president X": the title after "to"/"for" is X's; the one
    # before it is someone else's.
    for n in range(len(kept) - 1, 0, -1):
        if kept[n][2] in ("to", "for") and any(c & TITLE for *_, c in kept[n + 1 :]):
            kept = kept[n + 1 :]
            break
    while kept and kept[0][2] in _CONNECTORS:
        kept.pop(0)
    nationality = None
    for i, (_, _, lower, cls) in enumerate(kept):
        if cls & (NATION | COUNTRY) and (i == 0 or kept[i - 1][2] in ("of", "the")):
            nationality = lexicon().nationality.get(lower.removesuffix("'s").removesuffix("’s"))
            break
    of_a_title = len(kept) > 2 and kept[-2][2] == "of" and kept[-1][3] & MODIFIER
    if kept and not (kept[-1][3] & TITLE or text[kept[-1][0]].isupper() or of_a_title):
        kept = []  # "the French premier to the former X": the role does not reach the name
    if not any(cls & TITLE for *_, cls in kept):
        return start, None, nationality if cue else None, _CUED if cue else 0
    return kept[0][0], text[kept[0][0] : kept[-1][1]], nationality, _TITLED


_DASH_OPENER = re.compile(r"\s+(?:--|–|—)\s+")


def _after_opener(text: str, end: int) -> int:
    """Where the words after a name's apposition opener start: after the next comma and a
    space, or, with no comma left in the sentence, after the dash that opens it ("X — who
    serves as envoy — said"; looked for as a comma, it failed the article)."""
    comma = text.find(",", end)
    if comma >= 0:
        return comma + 2
    dash = _DASH_OPENER.match(text, end)
    return dash.end() if dash else len(text)


def _apposition_role(text: str, end: int) -> str | None:
    """A role given after a name: "X, who also serves as defense minister," / "X, the envoy,"."""
    m = _APPOSITION.match(text, end)
    if not m:
        return None
    article = text[m.start() : m.start("role")].rstrip().endswith(("the", "a", "an"))
    return _role_phrase(m.group("role"), article or bool(m.group("who")))


def _predicate_role(text: str, end: int) -> str | None:
    """A role a name is said to hold: "X was then foreign minister", "X is the envoy"."""
    m = _PREDICATE.match(text, end)
    return _role_phrase(m.group("role"), bool(m.group("article"))) if m else None


def _role_phrase(phrase: str, introduced: bool) -> str | None:
    """The role a phrase given of a name is, if it is one: words of roles ending on a
    title ("a former deputy minister of trade"); without an article or "who is", opening
    on a title or a country ("Russia's envoy"), not any word."""
    role = _ROLE_ENDS.sub("", phrase.strip())
    words = role.split()
    if not words or len(words) > 7 or words[0].lower() in _CONNECTORS:
        return None
    if not introduced and not _word_class(words[0]) & (TITLE | MODIFIER | NATION | COUNTRY):
        return None  # without "the"/"a", a role opens on a title or a country ("Russia's")
    for w in words:
        if not _is_role_word(w, w.lower(), _word_class(w)):
            return None
    # The head is the word before "of/for/to…" ("spokeswoman for the ministry"), else the last.
    head = next(
        (words[i - 1] for i, w in enumerate(words) if i and w.lower() in _CONNECTORS), words[-1]
    )
    return role if _word_class(head) & TITLE else None


def _credit_zones(text: str) -> list[tuple[int, int]]:
    """Spans of photo credits ("© Agency / Name", "(Photo: Name/Agency)"): never people."""
    if "©" not in text and ":" not in text and "(Photo by" not in text:
        return []  # what every _CREDIT match holds: most sentences have none of it
    zones = []
    for m in _CREDIT.finditer(text):
        end = _CREDIT_END.search(text, m.end())
        zones.append((m.start(), end.start() if end else len(text)))
    return zones


def _segments(
    run: list[Token],
    used: set[int],
    initial: bool,
    lower_words: set[str],
    after_title: bool = False,
) -> Iterator[tuple[int, int]]:
    """Index ranges of the tokens of a run that can form a name.

    After a title ("speaker May Tolle"), a first word that is also a common word is a name.
    """
    n = len(run)

    def nameable(i: int) -> bool:
        tok = run[i]
        if i == 0 and after_title and n > 1 and tok.cls & STOP and not tok.cls & (NOT_NAME & ~STOP):
            return not run[1].cls & NOT_NAME
        if (
            n == 2
            and i == 0
            and tok.cls & COUNTRY
            and not tok.cls & NATION
            and not run[1].cls & NOT_NAME
        ):
            return True  # "Israel Katz said": a country's name can be a first name
        if i in used:
            return False
        if i == 0 and initial and tok.lower in lower_words:
            return False
        if tok.cls & MONTH and not tok.cls & (NOT_NAME & ~STOP):
            return i > 0 and nameable(i - 1)
        return not tok.cls & NOT_NAME

    i = 0
    while i < n:
        if not nameable(i):
            i += 1
            continue
        j = i
        while j + 1 < n and nameable(j + 1):
            j += 1
        if j - i < 4 and not (j + 1 < n and run[j + 1].cls & TITLE):
            yield i, j
        i = j + 1


def _after_preposition(text: str, start: int) -> bool:
    """Whether a preposition and a space come just before ``start``: looked for from where
    that space begins, not from the start of the sentence (once per name-like stretch)."""
    gap = start
    while gap > 0 and text[gap - 1].isspace():
        gap -= 1
    longest = 4  # "from"
    return gap < start and _AFTER_PREPOSITION.search(text, max(0, gap - longest), start) is not None


def _mentions(sentences: Sequence[Sentence], title: str, found: Found) -> list[_Mention]:
    """Every name-like stretch of every sentence, with the evidence that it is a person."""
    lex = lexicon()
    lower_words = set(_LOWER_WORD.findall(" ".join(s.text for s in sentences)))
    out: list[_Mention] = []
    for sentence in sentences:
        text = sentence.text
        headline = _is_headline(text, title)
        credits = _credit_zones(text)
        lead = len(text) - len(text.lstrip(" \t\"“«‘'(-–—"))
        for run in runs(text):
            used = classify_run(text, run, found)
            if len(run) == 1 and (used or run[0].cls & NOT_NAME):
                continue
            after_title = bool(_AFTER_TITLE.search(text, max(0, run[0].start - 30), run[0].start))
            for i, j in _segments(run, used, run[0].start <= lead, lower_words, after_title):
                key = _key([t.text for t in run[i : j + 1]])
                half = len(key) // 2
                if half and len(key) == 2 * half and key[:half] == key[half:]:
                    j -= half  # "Lina Varga Lina Varga": a name printed twice (tag lists)
                    key = key[:half]
                start, end = run[i].start, run[j].end
                m = _Mention(sentence.index, start, end, start, text[start:end], key)
                m.opens_sentence = start <= lead
                m.after_preposition = _after_preposition(text, start)
                out.append(m)
                if headline:
                    m.in_headline = True
                    continue  # headline words link to people but never make one
                if (
                    any(a <= start < b for a, b in credits)
                    or _SLASH_AFTER.match(text, end)
                    or _SLASH_BEFORE.search(text, max(0, start - 40), start)
                ):
                    m.key = ("©", *key)  # a photographer's credit: never a person
                    continue
                m.role_start, m.role, m.nationality, strength = _role_before(text, start)
                m.titled = strength == _TITLED
                adverbs = _SPEECH_GAP.match(text, end)
                m.spoke = bool(adverbs and lex.speech.match(text, adverbs.end())) or bool(
                    lex.speech_before.search(text, max(0, m.role_start - 30), m.role_start)
                )
                apposition = _apposition_role(text, end)
                stated = None if apposition else _predicate_role(text, end)
                if apposition or stated:
                    # "X, the envoy," shows a person only for a full name (places take
                    # appositions too); "X, who serves as envoy," and "X was then envoy"
                    # do for a surname as well.
                    m.titled = (
                        bool(stated)
                        or len(key) > 1
                        or text.startswith("who", _after_opener(text, end))
                    )
                    given = apposition or stated or ""
                    m.nationality = m.nationality or next(
                        (
                            lex.nationality.get(w.lower())
                            for w in given.split()
                            if _word_class(w) & NATION
                        ),
                        None,
                    )
                    if m.role:  # a second role for the same mention
                        out.append(_Mention(sentence.index, start, end, start, m.name, key, given))
                    else:
                        m.role = given
                before = text[max(0, m.role_start - 30) : m.role_start].split()[-2:]
                after = text[end : end + 30].split()[:1]
                m.evidence = (
                    m.titled
                    or strength > 0
                    or m.spoke
                    or bool(_AGE.match(text, end))
                    or bool(before and before[-1] in lex.between_people)
                    or (
                        len(before) == 2
                        and before[1] in _LINK_VERBS
                        and before[0] in lex.between_people
                    )
                    or bool(after and after[0] in lex.between_people)
                    or _role_then_comma(text, m.role_start)
                )
    return out


def _role_then_comma(text: str, start: int) -> bool:
    """Whether a role and a comma come right before a name: "the country's top diplomat,
    X", "met the head of the party, X". Evidence of a person, not the role: "Like the
    president, X said" gives X no role."""
    if text[max(0, start - 2) : start].rstrip()[-1:] != ",":
        return False
    opening = max(text.rfind(mark, 0, start - 2) for mark in _CLAUSE_MARKS) + 1
    segment = text[max(opening, start - 120) : start].rstrip()[:-1]
    for determiner in _DETERMINER.finditer(segment):
        if _role_phrase(segment[determiner.end() :], introduced=True):
            return True
    return False


_CLAUSE_MARKS = tuple(',;:.!?"“”()')
_DETERMINER = re.compile(r"\b(?:the|its|his|her|their)\s+|\w['’]s\s+")


def _resolve(
    mentions: list[_Mention],
    blocked: set[tuple[str, ...]],
    named_things: set[tuple[str, ...]] = frozenset(),  # type: ignore[assignment]
) -> list[_Person]:
    """Decide which mentions are people and link the mentions of each person."""
    credit_surnames = {m.key[-1] for m in mentions if m.key[0] == "©"}
    usable = [
        m
        for m in mentions
        if m.key[0] != "©" and m.key not in blocked and m.key[-1] not in credit_surnames
    ]
    surnames = {m.key[-1] for m in usable if m.spoke or (m.titled and len(m.key) == 1)}
    surnames |= {m.key[-1] for m in usable if len(m.key) > 1 and m.evidence}
    people: list[_Person] = []

    def find(key: tuple[str, ...]) -> int:
        for n, p in enumerate(people):
            short, long = sorted((key, p.key), key=len)
            if long[-len(short) :] == short:
                return n
        return -1

    for m in usable:  # full names first, so that a surname seen earlier still links
        if len(m.key) > 1 and (m.evidence or m.key[-1] in surnames or find(m.key) >= 0):
            n = find(m.key)
            if n < 0:
                people.append(_Person(m.name, m.key))
                n = len(people) - 1
            elif len(m.key) > len(people[n].key):
                people[n].name, people[n].key = m.name, m.key
            m.person = n
    by_surname = {p.key[-1]: n for n, p in reversed(list(enumerate(people)))}
    # A name of one word is a surname, else another word of a full name: a family name
    # written first ("Li" of "Li Wei"), a name people go by ("Sousa" of "Paulo Roberto
    # Sousa da Costa").
    by_word: dict[str, int] = {}
    for n, p in reversed(list(enumerate(people))):
        for word in p.key[:-1]:
            if word not in NAME_PARTICLES:
                by_word[word] = n
    # A lone speaker is a person where a capitalised common word cannot be: inside a
    # sentence ("…," Li said), not opening it ("Analysts said").
    speakers = {
        m.key
        for m in usable
        if len(m.key) == 1 and m.spoke and not m.opens_sentence and not m.after_preposition
    }
    for m in usable:
        if len(m.key) == 1 and m.person < 0:
            n = by_surname.get(m.key[0], by_word.get(m.key[0], -1))
            if n < 0 and (m.titled or m.key in speakers):
                people.append(_Person(m.name, m.key))
                n = by_surname[m.key[0]] = len(people) - 1
            m.person = n
    # Names with no evidence here ("Berg and Sato reached a deal"): weak people, kept for the
    # corpus to recognise if other articles show who they are.
    for m in usable:
        if (
            m.person < 0
            and not m.in_headline
            and not (len(m.key) == 1 and m.opens_sentence)
            and m.key not in named_things  # a place or an organisation, however weakly
        ):
            n = find(m.key) if len(m.key) > 1 else by_surname.get(m.key[0], -1)
            if n < 0:
                people.append(_Person(m.name, m.key, weak=True))
                n = len(people) - 1
                by_surname.setdefault(m.key[-1], n)
            m.person = n
    for m in sorted((m for m in usable if m.person >= 0), key=lambda m: (m.sentence, m.start)):
        p = people[m.person]
        p.sentences.add(m.sentence)
        if m.role:
            p.roles.append(m.role)
        p.nationality = p.nationality or m.nationality
    return people


def _role_key(role: str) -> str:
    """A role without the nationality words around it, to spot repeats."""
    lex = lexicon()
    words = [w.lower().removesuffix("'s").removesuffix("’s") for w in role.split()]
    while words and lex.word_class.get(words[0], 0) & (NATION | COUNTRY):
        words.pop(0)
    if len(words) > 2 and words[-2] == "of" and lex.word_class.get(words[-1], 0) & COUNTRY:
        words = words[:-2]
    return " ".join(words)


def _dedupe_roles(roles: list[str]) -> tuple[str, ...]:
    best: dict[str, str] = {}
    for role in roles:
        key = _role_key(role)
        if key not in best or (len(role) > len(best[key]) and role.lower() != best[key].lower()):
            best[key] = role
    return tuple(dict.fromkeys(best.values()))


@dataclass
class _Spot:
    """A person's mention in paragraph coordinates."""

    start: int
    role_start: int
    end: int
    person: int
    sentence_start: int


def _paragraphs(sentences: Sequence[Sentence]) -> list[list[Sentence]]:
    groups: list[list[Sentence]] = []
    for s in sentences:
        if groups and groups[-1][-1].paragraph == s.paragraph:
            groups[-1].append(s)
        else:
            groups.append([s])
    return groups


def _attach_quotes(
    sentences: Sequence[Sentence], mentions: list[_Mention], people: list[_Person]
) -> None:
    """Give each person the direct quotes the article attributes to them.

    Quotes are found per paragraph, so that a quote the sentence splitter cut in two stays
    whole. A quote belongs to the name (or "he"/"she") with a speech verb right after it,
    to "X said …"/"X …, saying" before it in its sentence, or to the speaker of the quote
    just before it. A pronoun stands for the paragraph's speaker or subject, else the last
    one of the previous paragraphs, unless an unnamed source speaks ("a source told…").
    """
    lex = lexicon()
    by_sentence: dict[int, list[_Mention]] = {}
    for m in mentions:
        if m.person >= 0:
            by_sentence.setdefault(m.sentence, []).append(m)
    last_subject: int | None = None
    for group in _paragraphs(sentences):
        text, spots, starts = "", [], []
        for s in group:
            offset = len(text) + (1 if text else 0)
            text = f"{text} {s.text}" if text else s.text
            starts.append(offset)
            spots += [
                _Spot(offset + m.start, offset + m.role_start, offset + m.end, m.person, offset)
                for m in by_sentence.get(s.index, ())
            ]
        quotes = [
            (q.start(), q.end(), next(g for g in q.groups() if g)) for q in _QUOTE.finditer(text)
        ]
        if not quotes:
            if spots:
                last_subject = spots[0].person
            continue
        outside = [p for p in spots if not any(a <= p.start < b for a, b, _ in quotes)]
        at = {p.role_start: p for p in outside} | {p.start: p for p in outside}
        speaker: int | None = None
        previous_end = -1

        for qs, qe, content in quotes:
            found: int | None = None
            tail = text[qe : qe + 8]
            p = qe + len(tail) - len(tail.lstrip(_QUOTE_GAP))
            spot = at.get(p)
            verb = lex.speech.match(text, p)
            if (
                spot
                and (gap := _SPEECH_GAP.match(text, spot.end))
                and lex.speech.match(text, gap.end())
            ):
                found = spot.person
            elif verb and (gap := _SPACES.match(text, verb.end())) and gap.end() in at:
                found = at[gap.end()].person
            elif (gap := _PRONOUN_SPEECH.match(text, p)) and lex.speech.match(text, gap.end()):
                found = (
                    speaker if speaker is not None else _pronoun(text, qs, outside, last_subject)
                )
            if found is None:
                found, pronoun_at = _speaker_before(text, qs, outside, starts)
                if pronoun_at >= 0:
                    found = (
                        speaker
                        if speaker is not None
                        else _pronoun(text, pronoun_at, outside, last_subject)
                    )
            if found is None and speaker is not None and 0 <= qs - previous_end <= 80:
                between = [x for x in outside if previous_end <= x.start < qs]
                if all(x.person == speaker for x in between):
                    found = speaker
            if found is not None:
                people[found].quotes.append(content.strip().rstrip(","))
                speaker = found
            previous_end = qe
        if speaker is not None:
            last_subject = speaker
        elif spots:
            last_subject = spots[0].person
        elif lex.anonymous.search(text):
            last_subject = None


def _pronoun(text: str, pos: int, spots: list[_Spot], last_subject: int | None) -> int | None:
    """Who "he"/"she" at ``pos`` stands for: the paragraph's subject, else the last one."""
    before = [p for p in spots if p.end <= pos]
    unnamed = [a.start() for a in lexicon().anonymous.finditer(text, 0, pos)]
    if unnamed and (not before or unnamed[-1] > before[-1].end):
        return None  # "a source told X…", "he said": the last speaker has no name
    subjects = [p for p in before if _SUBJECT_START.match(text, p.sentence_start, p.role_start)]
    if subjects or before:
        return (subjects or before)[0].person
    return last_subject


def _speaker_before(
    text: str, qs: int, spots: list[_Spot], starts: list[int]
) -> tuple[int | None, int]:
    """The speaker named before a quote in its sentence ("X said the thing was "…"").

    Returns (person, -1), or (None, position) when the speaker is a pronoun at that position.
    """
    lex = lexicon()
    sentence_start = max((s for s in starts if s <= qs), default=0)
    before = [p for p in spots if sentence_start <= p.start and p.end <= qs]
    best: tuple[int, int | None] | None = None
    for p in before:
        gap = _SPEECH_GAP.match(text, p.end)
        said = bool(gap and lex.speech.match(text, gap.end()))
        according = _ACCORDING_GAP.fullmatch(text, p.end, qs) and _ACCORDING.search(
            text, max(0, p.role_start - 16), p.role_start
        )
        if said or according:
            best = (p.end, p.person)
    for m in _PRONOUN_SPEECH.finditer(text, sentence_start, qs):
        if lex.speech.match(text, m.end()) and (best is None or m.start() > best[0]):
            best = (m.start(), None)
    if best is not None:
        return best[1], (best[0] if best[1] is None else -1)
    subject = before[0] if before else None
    if (
        subject is not None
        and _SUBJECT_START.match(text, sentence_start, subject.role_start)
        and (
            lex.participles.search(text, subject.end, qs)
            or lex.speech.search(text, subject.end, qs)
        )
    ):
        return subject.person, -1
    return None, -1


def find_entities(sentences: Sequence[Sentence], title: str = "") -> Entities:
    """An article's people (roles, nationality, sentences, quotes), places and organisations."""
    found = Found()
    mentions = _mentions(sentences, title, found)
    blocked = {_key(name.split()) for _, name, weak in found.entries.values() if not weak}
    named_things = {_key(name.split()) for _, name, _ in found.entries.values()}
    people = _resolve(mentions, blocked, named_things)
    _attach_quotes(sentences, mentions, people)
    first: dict[int, tuple[int, int]] = {}
    for m in mentions:
        if m.person >= 0:
            first.setdefault(m.person, (m.sentence, m.start))
    order = sorted(first, key=first.__getitem__)
    strong = [n for n in order if not people[n].weak]
    person_keys = {people[n].key for n in strong} | {(people[n].key[-1],) for n in strong}
    places: list[str] = []
    organisations: list[str] = []
    for kind, name, weak in found.entries.values():
        if weak and _key(name.split()) in person_keys:
            continue
        (places if kind == "place" else organisations).append(name)
    mentioned = [
        PersonMention(
            name=people[n].name,
            roles=_dedupe_roles(people[n].roles),
            nationality=people[n].nationality,
            sentences=tuple(sorted(people[n].sentences)),
            quotes=tuple(dict.fromkeys(people[n].quotes)),
            weak=people[n].weak,
        )
        for n in order
    ]
    return Entities(
        people=tuple(p for p in mentioned if not p.weak),
        places=tuple(places),
        organisations=tuple(organisations),
        unconfirmed=tuple(p for p in mentioned if p.weak),
    )
