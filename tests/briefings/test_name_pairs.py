"""Full names sharing a surname are compared through their given names' words, not pair by
pair (``identity._pairs_to_compare``): the persons are the same as comparing every pair."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from briefings.index import identity
from briefings.index.identity import NameEvidence, resolve_people
from tests.conftest import random_evidence

GIVEN = ["oleksandr", "aleksandr", "alexander", "ivan", "iwan", "emanuel", "emmanuel", "li", "wei"]
GIVEN += ["mohammed", "muhammad", "mohamad"]  # one skeleton, spelt far apart
SURNAMES = ["petrenko", "petrenkko", "petrenco", "berg", "li", "sousa"]


def _names(seed: int, count: int) -> list[NameEvidence]:
    rng = random.Random(seed)
    found: dict[str, NameEvidence] = {}
    syllables = [c + v for c in "bdgkmnprstvz" for v in "aeiou"]
    while len(found) < count:
        words = []
        for _ in range(rng.choice([1, 1, 2, 3])):
            if rng.random() < 0.5:
                words.append(rng.choice(GIVEN))
            elif rng.random() < 0.2:
                words.append(rng.choice("abhj"))  # an initial
            else:
                words.append("".join(rng.choice(syllables) for _ in range(rng.randint(2, 3))))
        if rng.random() < 0.1:  # a typo in a given name
            word = words[0]
            at = rng.randrange(len(word))
            words[0] = word[:at] + rng.choice("aeiouk") + word[at + 1 :]
        key = " ".join([*words, rng.choice(SURNAMES)])
        found[key] = random_evidence(rng, key, SURNAMES)
    for surname in SURNAMES:  # one-word names, which join the most reported of them
        found[surname] = NameEvidence(surname, articles=2, strong=True, first_article=3)
    return list(found.values())


@pytest.mark.parametrize("seed", range(6))
def test_persons_are_those_of_every_pair_compared(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = _names(seed, 400)
    monkeypatch.setattr(identity, "SMALL_PRODUCT", 0)
    through_words = resolve_people(names)
    monkeypatch.setattr(identity, "SMALL_PRODUCT", 10**9)
    every_pair = resolve_people(names)
    assert through_words == every_pair
    assert len(set(every_pair.values())) < len(every_pair)  # some spellings were joined


def _said_alike(*keys: str) -> list[NameEvidence]:
    """Names given with the same nationality and role: only their words can tell them apart."""
    return [
        NameEvidence(
            key,
            articles=3,
            nationalities=Counter({"chinese": 3}),
            roles={"minister"},
            strong=True,
            first_article=n + 1,
        )
        for n, key in enumerate(keys)
    ]


def test_a_two_letter_given_name_is_a_name_not_an_initial() -> None:
    """ "li" before a surname is a given name: another given name of the same initial is
    another person. One letter ("h r"), or two without a vowel ("jd"), is an initial."""
    persons = resolve_people(_said_alike("li qiang", "liu qiang", "ri yong ho", "ri son ho"))
    assert persons["li qiang"] != persons["liu qiang"]
    assert persons["ri yong ho"] != persons["ri son ho"]
    persons = resolve_people(_said_alike("h r smith", "harold smith", "jd vance", "james vance"))
    assert persons["h r smith"] == persons["harold smith"]
    assert persons["jd vance"] == persons["james vance"]


@pytest.mark.parametrize("seed", range(4))
def test_given_words_compared_among_themselves_once_a_pair(seed: int) -> None:
    """A surname's given names compared among themselves, each pair scored once, find for
    each word what scoring it against every word finds; other words asking, the same."""
    from rapidfuzz import fuzz, process

    rng = random.Random(seed)
    words = set(GIVEN)
    while len(words) < 300:
        word = rng.choice(sorted(words))
        at = rng.randrange(len(word))
        words.add(word[:at] + rng.choice("aeioukz") + word[at + rng.randint(0, 1) :])
    ordered = sorted(words)

    def every_word(word: str) -> set[str]:
        found = process.extract(
            word, ordered, scorer=fuzz.ratio, score_cutoff=identity.GIVEN_NAME_RATIO, limit=None
        )
        return {w for w, _, _ in found}

    close = identity._close_given_words(ordered, ordered)
    assert close == {word: every_word(word) for word in ordered}
    assert sum(len(found) > 1 for found in close.values()) > 50  # typos found
    asking = ordered[::3]
    assert identity._close_given_words(asking, ordered) == {w: every_word(w) for w in asking}
