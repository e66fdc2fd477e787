"""Identity: which names in the corpus stand for one person.

Articles spell one person many ways: "Oleksandr Petrenko", "Aleksandr Petrenkko", "Petrenko",
"Mr. Petrenko"; "Li Wei" and "Li"; "Paulo Roberto Sousa da Costa" and "Sousa". This module
decides, over the whole corpus, which folded names (see ``store.person_key``) are one person,
and names each person by its fullest, most used spelling.

The model:
- Two full names are one person when their surnames are spellings of one name and their given
  names do not contradict. Spellings of one name are equal, or share their consonant skeleton
  (transliterations: "Oleksandr"/"Aleksandr", "Petrenko"/"Petrenkko"), or differ by a typo.
  Where the given names are not plainly the same ("Jonatan"/"Jonathan", "Aleksandr"/
  "Oleksandr"), the evidence must agree too: the same nationality, the same role, or the
  same people named around them.
- A name of one word is the surname of a full name, else its first word (family name first:
  "Li", "Park"), else one of its words ("Sousa"), taking the most reported person that fits.
- Two people who share only a surname and whose given names differ stay two people.

Over 400 lines: joining full names from nothing (``join_full_names``) and again through the
names whose evidence grew (``join_full_names_again``) must compare the same pairs the same
way; apart, one could drift from the other.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import cached_property

from rapidfuzz import fuzz, process

from briefings.extract.entities import NAME_PARTICLES

TYPO_RATIO = 88
"""How close two spellings of a word of four letters or more must be to be one (rapidfuzz)."""
GIVEN_NAME_RATIO = 85
MAX_SPELLINGS = 12
"""How many close spellings of one surname are considered: more are a family of names."""
_VOWELS = re.compile(r"[aeiouy]+")
_REPEATS = re.compile(r"(.)\1+")


@dataclass
class NameEvidence:
    """What the corpus says of one folded name: how often, and as what."""

    key: str
    articles: int = 0
    nationalities: Mapping[str, int] = field(default_factory=Counter)
    """How many articles give it each nationality."""
    roles: AbstractSet[str] = field(default_factory=set)
    strong: bool = False
    """Some article gives evidence that it names a person (a title, a speech verb…); a name
    only ever seen without evidence is a person only if it joins one that is."""
    company: AbstractSet[str] = field(default_factory=set)
    """The surnames of the others its articles name: two spellings met in the same
    company are one person's.

    Nationalities, roles and company are only asked of two names whose given names are not
    plainly the same (``_evidence_agrees``), about twice an ingest: the store may hand
    collections it reads when first asked (a leader's company is thousands of surnames)."""
    first_article: int = 0
    """The first article (by id) that gives it."""

    @cached_property
    def core(self) -> list[str]:
        # Asked of each name many times over as a family of names resolves (155,000
        # times for one added article naming a leader, at 100k articles): worked out once.
        return core_tokens(self.key)


def core_tokens(key: str) -> list[str]:
    """A folded name's words without particles ("al", "von der")."""
    return [t for t in key.split() if t not in NAME_PARTICLES]


def skeleton(word: str) -> str:
    """The consonants of a word, doubled letters once: what transliterations keep.

    "oleksandr" and "aleksandr" → "lksndr"; "petrenko" and "petrenkko" → "ptrnk".
    """
    return _REPEATS.sub(r"\1", _VOWELS.sub("", word))


def same_word(a: str, b: str, *, short_skeleton: bool = False) -> bool:
    """Whether two name words are spellings of one name."""
    if a == b:
        return True
    if a[0] != b[0] and not (a[0] in "aeiouy" and b[0] in "aeiouy"):
        return False
    bones_a, bones_b = skeleton(a), skeleton(b)
    if bones_a == bones_b and (len(bones_a) >= 3 or short_skeleton):
        return True
    return min(len(a), len(b)) >= 5 and fuzz.ratio(a, b) >= TYPO_RATIO


def is_initial(word: str) -> bool:
    """Whether a given name is written as an initial: one letter ("h r smith"), or two
    run together ("jd vance"). A two-letter word with a vowel is a name of its own ("li",
    "al"): a "li" and a "liu" of one surname are two people, not an initial and a name."""
    return len(word) == 1 or (len(word) == 2 and _VOWELS.search(word) is None)


def _given_names_agree(a: list[str], b: list[str]) -> tuple[bool, bool]:
    """(compatible, plainly the same) for the given names of two full names."""
    if not a or not b:
        return True, True
    shorter, longer = sorted((a, b), key=len)
    if all(t in longer for t in shorter):
        return True, True
    if a[0][0] == b[0][0] and (is_initial(a[0]) or is_initial(b[0])):
        return True, True  # an initial: "h r smith" ~ "harold smith"
    if len(a) == len(b) and all(
        same_word(x, y) or fuzz.ratio(x, y) >= GIVEN_NAME_RATIO for x, y in zip(a, b, strict=True)
    ):
        return True, False
    return False, False


def _evidence_agrees(a: NameEvidence, b: NameEvidence) -> bool:
    """The same nationality, the same role, or the same people around them."""
    if not a.nationalities.keys().isdisjoint(b.nationalities.keys()):
        return True
    return not a.roles.isdisjoint(b.roles) or not a.company.isdisjoint(b.company)


class _Union:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def resolve_people(names: Iterable[NameEvidence]) -> dict[str, str]:
    """Folded name → the folded name of the person it stands for (its fullest spelling).

    What a name resolves to depends only on its *family*: the names whose surnames are
    spellings of its own, and the one-word names that may stand for them. So resolving a
    family on its own gives what resolving the corpus gives it, and the names are read in a
    fixed order, so that a tie is decided the same way either way.
    """
    evidence = _in_order(names)
    full = [n for n in evidence.values() if len(n.core) > 1]
    return name_persons(evidence.values(), join_full_names(full))


def _in_order(names: Iterable[NameEvidence]) -> dict[str, NameEvidence]:
    return {n.key: n for n in sorted(names, key=lambda n: n.key) if n.core}


def join_full_names(names: Iterable[NameEvidence]) -> dict[str, str]:
    """The first step: full names whose surnames are spellings of one another join. Full
    name → its person's first spelling (by key). Two full names are compared only when
    their surnames are a spelling pair (``_spelling_pairs``), so names whose surnames are
    no spellings of one another's, even through others, are joined apart alike."""
    full = [n for n in _in_order(names).values() if len(n.core) > 1]
    union = _Union()
    for n in full:
        union.find(n.key)
    # Full names, blocked by the first letter of the surname: only names that could be
    # spellings of one another are compared.
    by_surname: dict[str, list[NameEvidence]] = defaultdict(list)
    for n in full:
        by_surname[n.core[-1]].append(n)
    for s1, s2 in _spelling_pairs(by_surname):
        exact = s1 == s2
        if not exact and not same_word(s1, s2, short_skeleton=True):
            continue
        for a, b in _pairs_to_compare(by_surname[s1], by_surname[s2]):
            if exact and a.key >= b.key:
                continue
            _maybe_join(a, b, exact, union)
    first: dict[str, str] = {}
    for n in full:  # in key order: the first seen of a person is its first spelling
        first.setdefault(union.find(n.key), n.key)
    return {n.key: first[union.find(n.key)] for n in full}


def join_full_names_again(
    names: Iterable[NameEvidence], joined: dict[str, str], grown: set[str]
) -> dict[str, str]:
    """``join_full_names`` of names that were joined before (``joined``: each name then
    → its person's first spelling; the names it lacks were not given then), when only the
    evidence of the ``grown`` names changed since, by articles added, and their surnames
    are those they were (the same spelling pairs).

    Two names join when their given names agree and so, unless plainly the same, does
    their evidence: what two names' articles say only grows as articles come, and so
    does their agreement. Two names neither of which grew agree as they did, and a join
    never comes apart: the names join as they did, and more only through a pair with a
    grown name, the only pairs compared. (A leader's surname comes with a thousand given
    names, compared pair by pair whenever an article names the leader.)"""
    full = [n for n in _in_order(names).values() if len(n.core) > 1]
    union = _Union()
    for n in full:
        union.find(n.key)
    for n in full:
        if n.key in joined:
            union.union(joined[n.key], n.key)
    by_surname: dict[str, list[NameEvidence]] = defaultdict(list)
    grown_by_surname: dict[str, list[NameEvidence]] = defaultdict(list)
    for n in full:
        by_surname[n.core[-1]].append(n)
        if n.key in grown:
            grown_by_surname[n.core[-1]].append(n)
    spelling_pairs = _spelling_pairs(by_surname)
    if spelling_pairs.cut:
        # (which close spellings are kept may depend on the names that came: joined anew)
        return join_full_names(full)
    for s1, s2 in spelling_pairs:
        exact = s1 == s2
        if not exact and not same_word(s1, s2, short_skeleton=True):
            continue
        # Each pair compared as ``join_full_names`` compares it (whether given names agree
        # may depend on which is first): of one surname, the lesser key first; else, the
        # name of the pair's first surname first.
        pairs = _pairs_to_compare(grown_by_surname.get(s1, ()), by_surname[s2])
        if exact:
            pairs = [(a, b) if a.key < b.key else (b, a) for a, b in pairs if a.key != b.key]
        else:
            grown_second = _pairs_to_compare(grown_by_surname.get(s2, ()), by_surname[s1])
            pairs += [(a, b) for b, a in grown_second]
        for a, b in pairs:
            _maybe_join(a, b, exact, union)
    first: dict[str, str] = {}
    for n in full:  # in key order: the first seen of a person is its first spelling
        first.setdefault(union.find(n.key), n.key)
    return {n.key: first[union.find(n.key)] for n in full}


def name_persons(names: Iterable[NameEvidence], joined: dict[str, str]) -> dict[str, str]:
    """The other steps, given the full names' persons (``join_full_names``): each one-word
    name joins a person, and each person is named by its fullest spelling."""
    evidence = _in_order(names)
    full = [n for n in evidence.values() if len(n.core) > 1]
    single = [n for n in evidence.values() if len(n.core) == 1]
    union = _Union()
    for n in evidence.values():
        union.find(n.key)
    for n in full:
        union.union(joined[n.key], n.key)
    by_surname: dict[str, list[NameEvidence]] = defaultdict(list)
    for n in full:
        by_surname[n.core[-1]].append(n)
    surnames_by_initial: dict[str, list[str]] = defaultdict(list)
    bones: dict[str, list[str]] = defaultdict(list)
    for surname in by_surname:
        surnames_by_initial[surname[0]].append(surname)
        bones[surname[0] + skeleton(surname)].append(surname)

    # Names of one word: a surname, else a family name written first, else any word. Of
    # two people as reported, the one whose first spelling sorts first takes it.
    people_size: Counter[str] = Counter()
    first_key: dict[str, str] = {}
    for n in full:
        root = union.find(n.key)
        people_size[root] += n.articles
        first_key[root] = min(first_key.get(root, n.key), n.key)
    by_token: dict[str, dict[str, list[str]]] = {
        "last": defaultdict(list),
        "first": defaultdict(list),
        "any": defaultdict(list),
    }
    for n in full:
        root = union.find(n.key)
        by_token["last"][n.core[-1]].append(root)
        by_token["first"][n.core[0]].append(root)
        for t in n.core[1:-1]:
            by_token["any"][t].append(root)
    for n in single:
        word = n.core[0]
        for place in ("last", "first", "any"):
            roots = set(by_token[place].get(word, ()))
            if roots:
                union.union(max(roots, key=lambda r: (people_size[r], first_key[r])), n.key)
                break
        else:
            candidates = bones.get(word[0] + skeleton(word), []) + [
                s
                for s, _, _ in process.extract(
                    word,
                    surnames_by_initial.get(word[0], ()),
                    scorer=fuzz.ratio,
                    score_cutoff=TYPO_RATIO,
                    limit=MAX_SPELLINGS,
                )
            ]
            close = [s for s in candidates if same_word(word, s)]
            roots = {union.find(by_surname[s][0].key) for s in close}
            if roots:
                union.union(max(roots, key=lambda r: (people_size[r], first_key[r])), n.key)

    members: dict[str, list[NameEvidence]] = defaultdict(list)
    for n in evidence.values():
        members[union.find(n.key)].append(n)
    resolved: dict[str, str] = {}
    for group in members.values():
        if not any(n.strong for n in group):
            continue  # names never shown to be a person: no one
        best = max(group, key=lambda n: (n.strong, len(n.core) > 1, n.articles, len(n.core), n.key))
        for n in group:
            resolved[n.key] = best.key
    return resolved


class _SpellingPairs(set[tuple[str, str]]):
    cut: bool = False
    """Whether some surname had as many close spellings as are kept (``MAX_SPELLINGS``):
    which are kept then may depend on the order of the names."""


def _spelling_pairs(by_surname: dict[str, list[NameEvidence]]) -> _SpellingPairs:
    """Pairs of surnames that may spell one name: equal, the same consonants, or a typo apart.

    Found through blocks, not by comparing every pair: surnames sharing a consonant
    skeleton, and within each first letter, rapidfuzz's matrix of close spellings.
    """
    pairs = _SpellingPairs((s, s) for s in by_surname)
    by_bones: dict[str, list[str]] = defaultdict(list)
    by_initial: dict[str, list[str]] = defaultdict(list)
    for surname in by_surname:
        by_bones[surname[0] + skeleton(surname)].append(surname)
        if len(surname) >= 5:
            by_initial[surname[0]].append(surname)
    for group in by_bones.values():
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                pairs.add((a, b))
    for group in by_initial.values():
        if len(group) < 2:
            continue
        for surname in group:
            found = process.extract(
                surname, group, scorer=fuzz.ratio, score_cutoff=TYPO_RATIO, limit=MAX_SPELLINGS
            )
            pairs.cut = pairs.cut or len(found) == MAX_SPELLINGS
            for other, _, _ in found:
                if other > surname:
                    pairs.add((surname, other))
    return pairs


SMALL_PRODUCT = 64
"""Below this many pairs, names are compared pair by pair rather than through their words."""


def _pairs_to_compare(
    first: Sequence[NameEvidence], second: Sequence[NameEvidence]
) -> list[tuple[NameEvidence, NameEvidence]]:
    """The pairs (one name of each list) whose given names may agree (``_given_names_agree``),
    found through their words rather than by comparing every pair, as one surname may be
    given with hundreds of given names: the words of one are all among the other's, or one
    is an initial of the other's, or they have as many words and each is a spelling of the
    other's (then their first words are, and the next…)."""
    if len(first) * len(second) <= SMALL_PRODUCT:
        return [(a, b) for a in first for b in second]
    given = {n.key: n.core[:-1] for n in (*first, *second)}
    pairs: set[tuple[str, str]] = set()
    for one, other, flip in ((first, second, False), (second, first, True)):
        by_word: dict[str, list[str]] = defaultdict(list)
        by_initial: dict[str, list[str]] = defaultdict(list)
        for n in other:
            for word in set(given[n.key]):
                by_word[word].append(n.key)
            by_initial[given[n.key][0][0]].append(n.key)
        for n in one:
            words = set(given[n.key])
            rarest = min(words, key=lambda w: len(by_word.get(w, ())))
            found = [m for m in by_word.get(rarest, ()) if words <= set(given[m])]
            if is_initial(given[n.key][0]):
                found += by_initial.get(given[n.key][0][0], ())
            pairs.update((m, n.key) if flip else (n.key, m) for m in found)
    by_length: dict[int, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    for side, names in enumerate((first, second)):
        for n in names:
            by_length[len(given[n.key])][side].append(n.key)
    for ones, others in by_length.values():
        pairs |= _alike_word_by_word(ones, others, given, 0)
    evidence = {n.key: n for n in (*first, *second)}
    return [(evidence[a], evidence[b]) for a, b in sorted(pairs)]


def _alike_word_by_word(
    first: Sequence[str], second: Sequence[str], given: dict[str, list[str]], position: int
) -> set[tuple[str, str]]:
    """Pairs of names with as many given names whose words from ``position`` on may be
    spellings of one another's."""
    if not first or not second:
        return set()
    if len(first) * len(second) <= SMALL_PRODUCT or position >= len(given[first[0]]):
        return {(a, b) for a in first for b in second}
    by_word: dict[str, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    for side, names in enumerate((first, second)):
        for n in names:
            by_word[given[n][position]][side].append(n)
    words = sorted(w for w, (_, seconds) in by_word.items() if seconds)
    by_bones: dict[str, list[str]] = defaultdict(list)
    for word in words:
        by_bones[skeleton(word)].append(word)
    asking = sorted(w for w, (ones, _) in by_word.items() if ones)
    close_to = _close_given_words(asking, words)
    pairs: set[tuple[str, str]] = set()
    for word in asking:
        ones = by_word[word][0]
        close = close_to[word] | {w for w in by_bones.get(skeleton(word), ()) if same_word(word, w)}
        for other in sorted(close):
            pairs |= _alike_word_by_word(ones, by_word[other][1], given, position + 1)
    return pairs


def _close_given_words(asking: list[str], words: list[str]) -> dict[str, set[str]]:
    """Each word asking → the words within ``GIVEN_NAME_RATIO`` of it. When they are the
    same words, as when a surname's names are compared among themselves, each pair is
    scored once (the ratio is symmetric): a leader's surname comes with hundreds of given
    names, compared again whenever an article names the leader."""
    if asking != words:
        return {
            word: {
                w
                for w, _, _ in process.extract(
                    word, words, scorer=fuzz.ratio, score_cutoff=GIVEN_NAME_RATIO, limit=None
                )
            }
            for word in asking
        }
    close: dict[str, set[str]] = {word: set() for word in words}
    for i, word in enumerate(words):
        found = process.extract(
            word, words[i:], scorer=fuzz.ratio, score_cutoff=GIVEN_NAME_RATIO, limit=None
        )
        for w, _, _ in found:
            close[word].add(w)
            close[w].add(word)
    return close


def _maybe_join(a: NameEvidence, b: NameEvidence, same_surname: bool, union: _Union) -> None:
    compatible, plain = _given_names_agree(a.core[:-1], b.core[:-1])
    if not compatible:
        return
    # Plainly the same given names: one person. Other spellings: only if the evidence agrees.
    if (same_surname and plain) or _evidence_agrees(a, b) or a.core[:-1] == b.core[:-1]:
        union.union(a.key, b.key)
