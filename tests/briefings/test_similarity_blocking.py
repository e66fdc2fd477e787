"""Grouping near-duplicates through blocks gives the same groups as comparing every pair.

`group_similar` compares a sentence only with the earlier texts that share a key with it
(an opening, or one of its rarest words). The reference here is the grouping it replaced:
each sentence compared with every member of every group. Both run on the events of the
seeds and of ../shared/corpora, whose outlets carry the same reports in their own words.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from briefings.brief.material import gather
from briefings.brief.similarity import (
    SentenceGroup,
    group_similar,
    is_same_report,
    normalise,
)
from briefings.engine import Engine
from briefings.index.store import StoredSentence
from tests.conftest import ROOT, SEEDS

SHARED_CORPORA = ROOT.parent / "shared" / "corpora"


def pairwise_groups(sentences: Sequence[StoredSentence]) -> list[SentenceGroup]:
    """The grouping as it was: every sentence against every member of every earlier group."""
    groups: list[SentenceGroup] = []
    for sentence in sentences:
        norm = normalise(sentence.text)
        for group in groups:
            if any(is_same_report(norm, other) for other in group.normalised):
                if sentence.text not in (s.text for s in group.sentences) or all(
                    s.article_id != sentence.article_id for s in group.sentences
                ):
                    group.sentences.append(sentence)
                    group.normalised.append(norm)
                break
        else:
            groups.append(SentenceGroup([sentence], [norm]))
    return groups


def as_refs(groups: list[SentenceGroup]) -> list[list[tuple[int, int]]]:
    return [[(s.article_id, s.index) for s in g.sentences] for g in groups]


@pytest.fixture(scope="module")
def event_sentences(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, list]]:
    """Each event's sentences (all, and those that read as prose), by event title."""
    folders = [SEEDS]
    if SHARED_CORPORA.is_dir():
        folders += sorted(p for p in SHARED_CORPORA.iterdir() if p.is_dir())
    path: Path = tmp_path_factory.mktemp("blocking") / "corpus.db"
    found: dict[str, list] = {}
    with Engine(path) as engine:
        engine.ingest(folders)
        for event in engine.events():
            material = gather(engine.store, event)
            found[f"{event.id} {event.title}"] = [material.sentences, material.prose]
    yield found


def test_the_corpora_hold_reports_carried_in_other_words(event_sentences: dict) -> None:
    """What the comparison below is worth: events where outlets word one report differently."""
    reworded = 0
    for sentences, _ in event_sentences.values():
        for group in group_similar(sentences):
            if len(set(group.normalised)) > 1:
                reworded += 1
    assert reworded >= 3


def test_blocked_grouping_equals_pairwise_grouping_on_every_event(event_sentences: dict) -> None:
    rng = random.Random(16)
    for title, (sentences, prose) in event_sentences.items():
        orders = [sentences, prose, list(reversed(prose))]
        for _ in range(2):
            shuffled = list(sentences)
            rng.shuffle(shuffled)
            orders.append(shuffled)
        for order in orders:
            assert as_refs(group_similar(order)) == as_refs(pairwise_groups(order)), title


def test_blocked_grouping_equals_pairwise_grouping_across_all_events(
    event_sentences: dict,
) -> None:
    """All the prose at once: one large input where names and phrases recur across events."""
    pooled = [s for _, prose in event_sentences.values() for s in prose]
    assert as_refs(group_similar(pooled)) == as_refs(pairwise_groups(pooled))
