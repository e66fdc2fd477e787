"""An ingest's growing set of names is resolved block by block (``BlockResolver``): the
persons are those ``resolve_people`` gives the whole set, and a block met again unchanged
is not joined again."""

from __future__ import annotations

import random

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
