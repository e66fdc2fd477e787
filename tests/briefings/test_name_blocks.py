"""An ingest's growing set of names is resolved block by block (``BlockResolver``): the
persons are those ``resolve_people`` gives the whole set, and a block met again unchanged
is not joined again."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from briefings.index import identity, name_families_resolved
from briefings.index.identity import NameEvidence, resolve_people
from briefings.index.name_families_resolved import BlockResolver
from tests.conftest import random_evidence

GIVEN = ["oleksandr", "aleksandr", "ivan", "iwan", "emanuel", "emmanuel", "li", "wei", "h"]
# Spellings a typo or a vowel apart, others far apart, short ones, and family names first.
SURNAMES = ["petrenko", "petrenkko", "petrenco", "patrenko", "berg", "burg", "li", "lee"]
SURNAMES += ["sousa", "souza", "kovalenko", "kowalenko", "tanaka", "tanaca", "wei"]


def _names(rng: random.Random, count: int) -> list[NameEvidence]:
    found: dict[str, NameEvidence] = {}
    syllables = [c + v for c in "bdgkmnprstvz" for v in "aeiou"]
    surnames = SURNAMES + ["".join(rng.choice(syllables) for _ in range(3)) for _ in range(30)]
    while len(found) < count:
        if rng.random() < 0.15:  # a one-word name: a surname, a given name, or a typo of one
            word = rng.choice(surnames + GIVEN)
            if rng.random() < 0.3 and len(word) > 4:
                at = rng.randrange(len(word))
                word = word[:at] + rng.choice("aeiou") + word[at + 1 :]
            words = [word]
        else:
            given = [rng.choice(GIVEN) for _ in range(rng.choice([1, 1, 2]))]
            words = [*given, rng.choice(surnames)]
        key = " ".join(words)
        found[key] = random_evidence(rng, key, SURNAMES)
    return list(found.values())


@pytest.mark.parametrize("seed", range(6))
def test_growing_sets_resolve_as_resolve_people_does(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(seed)
    names = _names(rng, 600)
    rng.shuffle(names)
    joined: list[frozenset[str]] = []
    join = identity.join_full_names

    def counted(block):  # type: ignore[no-untyped-def]
        block = list(block)
        joined.append(frozenset(n.key for n in block))
        return join(block)

    monkeypatch.setattr(name_families_resolved, "join_full_names", counted)
    resolver = BlockResolver()
    for size in (150, 300, 310, 450, 600, 600):
        assert resolver.resolve(names[:size]) == resolve_people(names[:size])
    # Each block is joined once for each set of names it had.
    assert len(joined) == len(set(joined))
    whole = [n for n in names if len(n.core) > 1]
    assert 1 < len(BlockResolver().blocks(whole)) < len(whole)


def _grown(rng: random.Random, name: NameEvidence) -> NameEvidence:
    """The name with what more articles say of it: only more."""
    return NameEvidence(
        name.key,
        articles=name.articles + rng.randint(1, 3),
        nationalities=Counter(name.nationalities)
        + Counter(rng.sample(["ukrainian", "russian"], 1)),
        roles=name.roles | {rng.choice(["minister", "spokesman", "businessman"])},
        strong=name.strong or rng.random() < 0.5,
        company=name.company | {rng.choice(SURNAMES)},
        first_article=name.first_article,
    )


@pytest.mark.parametrize("seed", range(8))
def test_names_whose_evidence_grew_join_as_joining_them_all_again(seed: int) -> None:
    """Articles added, with the same surnames: the full names joined before, joined again
    through the names that grew or came only, join as joining them all gives."""
    rng = random.Random(seed)
    before = [n for n in _names(rng, 500) if len(n.core) > 1]
    joined = identity.join_full_names(before)
    grown = {n.key for n in rng.sample(before, 40)}
    after = [_grown(rng, n) if n.key in grown else n for n in before]
    surnames = sorted({n.core[-1] for n in before})
    while len(after) < len(before) + 20:  # names new to the corpus, of surnames it gives
        key = f"{rng.choice(GIVEN)} {rng.choice(surnames)}"
        if key not in {n.key for n in after}:
            after.append(random_evidence(rng, key, SURNAMES))
            grown.add(key)
    rng.shuffle(after)
    again = identity.join_full_names_again(after, joined, grown)
    assert again == identity.join_full_names(after)
    assert len(set(again.values())) < len(set(joined.values())) + 20  # some joined anew


def test_names_joined_again_where_close_spellings_are_cut_are_joined_anew() -> None:
    """Of a surname with as many close spellings as are kept (``MAX_SPELLINGS``), which
    are kept depends on the names' order, which names that come may change: the names are
    then joined anew, not through the names that grew (here, joins given wrongly before)."""
    rng = random.Random(3)
    surname = "kovalchenkovich"
    spellings = [surname[:at] + "x" + surname[at + 1 :] for at in range(1, len(surname))]
    given = ["anna", "boris", "clara", "dmitro", "elena", "fedir", "galyna", "hanna", "ihor"]
    given += ["jurij", "kyrylo", "larysa", "mykola", "nadia", "olha", "petro"]
    names = [
        random_evidence(rng, f"{first} {s}", SURNAMES)
        for first, s in zip(given, [surname, *spellings], strict=False)
    ]
    by_surname = {n.core[-1]: [n] for n in names}
    assert len(names) > identity.MAX_SPELLINGS
    assert identity._spelling_pairs(by_surname).cut
    wrongly = {n.key: names[0].key for n in names}
    again = identity.join_full_names_again(names, wrongly, {names[1].key})
    assert again == identity.join_full_names(names) != wrongly
