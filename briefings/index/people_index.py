"""People across articles: one person however each article names them.

Articles name people differently ("Anna von der Berg", "von der Berg", "Berg"); this
module merges an event's or a search's mentions into people, keeps every role with the
outlets that give it, and finds the principals of an event (who met whom).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from briefings.extract.entities import NAME_PARTICLES
from briefings.index.store import StoredMention, person_key
from briefings.lexicon import countries, respell, toml
from briefings.models import RoleClaim

LEAD_SENTENCES = 3


@lru_cache(maxsize=1)
def _nationality_words() -> re.Pattern[str]:
    words: set[str] = set()
    for country in countries():
        words.update(w for w in (country.name, country.demonym, *country.aliases) if w)
    alternation = "|".join(re.escape(w.lower()) for w in sorted(words, key=len, reverse=True))
    # Roles are matched lower-cased; "u.s." ends in a dot, so no \b after it.
    return re.compile(rf"(?<![\w.])(?:{alternation})(?:['’]s)?(?!\w)")


@lru_cache(maxsize=1)
def _generic_roles() -> frozenset[str]:
    return frozenset(role_key(r) for r in toml("facets.toml")["roles"]["generic"])


@lru_cache(maxsize=8192)
def role_key(role: str) -> str:
    """A role folded so that wordings of one role compare equal ("Russian Defence Minister").
    (Kept for the wordings met: counting names folds the role of every mention, and a few
    wordings make most of them.)"""
    text = respell(role.lower()).replace("’", "'")
    text = _nationality_words().sub(" ", text)
    text = re.sub(r"\b(the|of the|of)\b", " ", text)
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return " ".join(text.split())


@dataclass
class Person:
    key: str
    name: str
    variants: set[str] = field(default_factory=set)
    mentions: list[StoredMention] = field(default_factory=list)

    @property
    def surname(self) -> str:
        return self.name.split()[-1]

    @property
    def article_ids(self) -> list[int]:
        return list(dict.fromkeys(m.article_id for m in self.mentions))

    @property
    def sentence_refs(self) -> set[tuple[int, int]]:
        return {(m.article_id, i) for m in self.mentions for i in m.mention.sentences}

    @property
    def mention_count(self) -> int:
        return sum(max(len(m.mention.sentences), 1) for m in self.mentions)

    @property
    def quotes(self) -> list[tuple[int, str]]:
        return [(m.article_id, q) for m in self.mentions for q in m.mention.quotes]

    def role_claims(
        self, source: Callable[[int], str], path: Callable[[int], str]
    ) -> list[RoleClaim]:
        """Each distinct role with the outlets and articles that give it, most cited first."""
        wordings: dict[str, Counter[str]] = defaultdict(Counter)
        articles: dict[str, list[int]] = defaultdict(list)
        for m in self.mentions:
            for role in m.mention.roles:
                if _is_plural_title(role):
                    continue  # "Presidents X and Y": a role of two people, not of one
                wording = _with_nationality(role, m.mention.nationality)
                key = role_key(wording)
                if not key:
                    continue
                wordings[key][wording] += 1
                if m.article_id not in articles[key]:
                    articles[key].append(m.article_id)
        keys = _drop_contained(list(wordings), articles)
        specific = [k for k in keys if k not in _generic_roles()]
        keys = specific or keys
        claims = []
        for key in keys:
            best = max(wordings[key].items(), key=lambda kv: (kv[1], len(kv[0])))[0]
            ids = articles[key]
            claims.append(
                RoleClaim(
                    role=best,
                    sources=tuple(dict.fromkeys(source(a) for a in ids)),
                    articles=tuple(dict.fromkeys(path(a) for a in ids)),
                )
            )
        return sorted(claims, key=lambda c: -len(c.sources))

    def display_name(self, source: Callable[[int], str]) -> str:
        """The name with the role most outlets give, for headlines: a title as it stands
        before a name ("Peruvian President"), not an apposition ("president of the
        Republic of …") nor a title too long to head a line."""
        claims = self.role_claims(source, lambda a: str(a))
        titles = [
            c.role
            for c in claims
            if c.role[:1].isupper() and len(c.role.split()) <= MAX_HEADLINE_ROLE_WORDS
        ]
        return f"{titles[0]} {self.name}" if titles else self.name


MAX_HEADLINE_ROLE_WORDS = 4
"""Longer titles ("Chairman of the State Affairs Commission") crowd a headline out."""


def _is_plural_title(role: str) -> bool:
    from briefings.extract.entities import TITLE, lexicon

    last = role.split()[-1].lower() if role.split() else ""
    word_class = lexicon().word_class
    return (
        last.endswith("s")
        and not word_class.get(last, 0) & TITLE
        and bool(word_class.get(last[:-1], 0) & TITLE)
    )


def _with_nationality(role: str, nationality: str | None) -> str:
    """ "Defense Minister" of a Peruvian is shown as "Peruvian Defense Minister", unless the
    role already names a country ("Chile's President", "Ghana's President")."""
    if _nationality_words().search(role.lower()):
        return role
    if nationality and role[:1].isupper():
        return f"{nationality} {role}"
    return role


def _drop_contained(keys: list[str], articles: Mapping[str, list[int]]) -> list[str]:
    """'prime minister' and 'israeli prime minister' are one role: keep the fuller key's claim."""
    kept = []
    for key in keys:
        fuller = [k for k in keys if k != key and re.search(rf"\b{re.escape(key)}\b", k)]
        if fuller:
            target = fuller[0]
            for a in articles[key]:
                if a not in articles[target]:
                    articles[target].append(a)
            continue
        kept.append(key)
    return kept


def _core_tokens(key: str) -> list[str]:
    return [t for t in key.split() if t not in NAME_PARTICLES]


def _compatible(a: str, b: str) -> bool:
    """Same surname, and given names that do not contradict.

    "omar ali" ~ "omar al ali", "maria berg" ~ "anna maria berg",
    "h r smith" ~ "harold smith"; but "anna berg" is not "lars berg".
    """
    ta, tb = _core_tokens(a), _core_tokens(b)
    if not ta or not tb or ta[-1] != tb[-1]:
        return False
    if len(ta) == 1 or len(tb) == 1:
        return True
    shorter, longer = sorted((ta[:-1], tb[:-1]), key=len)
    if all(t in longer for t in shorter):
        return True
    return ta[0][0] == tb[0][0] and (len(ta[0]) <= 2 or len(tb[0]) <= 2)


def merge_people(mentions: Iterable[StoredMention]) -> list[Person]:
    """People from mentions, most widely reported first.

    Mentions that carry the person the corpus resolved them to (see ``identity``) are
    grouped by it; others are merged here by surname and given names.
    """
    resolved: dict[str, Person] = {}
    unresolved: list[StoredMention] = []
    for mention in mentions:
        if not mention.person:
            unresolved.append(mention)
            continue
        person = resolved.get(mention.person)
        if person is None:
            person = resolved[mention.person] = Person(
                key=mention.person, name=mention.mention.name
            )
        person.mentions.append(mention)
        person.variants.add(mention.mention.name)
    people = _merge_by_names(unresolved)
    for person in resolved.values():
        person.name = _best_name(person)
        people.append(person)
    return sorted(people, key=lambda p: (-len(p.article_ids), -p.mention_count, p.name))


def _merge_by_names(mentions: Iterable[StoredMention]) -> list[Person]:
    people: list[Person] = []
    by_surname: dict[str, list[Person]] = defaultdict(list)
    by_first_name: dict[str, list[Person]] = defaultdict(list)
    ordered = sorted(mentions, key=lambda m: -len(m.mention.name.split()))
    for mention in ordered:
        key = mention.key or person_key(mention.mention.name)
        core = _core_tokens(key)
        if not core:
            continue
        candidates = [p for p in by_surname[core[-1]] if _compatible(p.key, key)]
        if not candidates and len(core) == 1:
            # Family name first ("Li Wei", then "Mr. Li"): a lone name that is no one's
            # surname is the first name of one, and only one, fuller name.
            firsts = by_first_name.get(core[0], [])
            candidates = firsts if len(firsts) == 1 else []
        if len(candidates) == 1 or (candidates and len(core) > 1):
            person = candidates[0]
        elif candidates:
            # A bare surname shared by several people: it belongs to the most mentioned one.
            person = max(candidates, key=lambda p: len(p.mentions))
        else:
            person = Person(key=key, name=mention.mention.name)
            people.append(person)
            by_surname[core[-1]].append(person)
            if len(core) > 1:
                by_first_name[core[0]].append(person)
        person.mentions.append(mention)
        person.variants.add(mention.mention.name)
    for person in people:
        person.name = _best_name(person)
        person.key = person_key(person.name)
    return people


def _best_name(person: Person) -> str:
    """The fullest name most articles use."""
    counts = Counter(m.mention.name for m in person.mentions)
    return max(counts, key=lambda n: (len(_core_tokens(person_key(n))), counts[n], n))
