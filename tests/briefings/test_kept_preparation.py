"""An event's reading and cast are kept between briefings (material.KEPT_EVENTS), and
whether a person took part in an event between cards (compose.TOOK_PART_KEPT), until a
write changes the event: a briefing or card asked again reads nothing again, reads as the
first did, and one asked after a write reads the corpus as it now is (what a write leaves
as it was: test_kept_across_writes)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from briefings.brief import compose, material
from briefings.brief.facets import load_rules
from briefings.engine import Engine


def _everything(engine: Engine, event_ids: list[int]) -> list[str]:
    """Each event's briefing as HTML and as JSON, and the latest event's people."""
    shown = []
    for event_id in event_ids:
        briefing = engine.brief(event_id=event_id)
        shown.append(engine.renderer.briefing(briefing, "html"))
        shown.append(engine.renderer.briefing(briefing, "json"))
    shown.append(engine.renderer.people(engine.who(), "html"))
    return shown


def test_a_briefing_asked_again_reads_nothing_again_and_reads_the_same(
    seeded: Engine, reads: Counter[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    event_ids = [e.id for e in seeded.events()]
    assert len(event_ids) >= 2
    monkeypatch.setattr(material, "KEPT_EVENTS", 0)  # nothing kept: every briefing afresh
    afresh = _everything(seeded, event_ids)
    assert sum(reads.values()) == len(event_ids) + 1
    monkeypatch.setattr(material, "KEPT_EVENTS", len(event_ids))
    reads.clear()
    first = _everything(seeded, event_ids)
    # In another order, after the facets of every event have asked their questions.
    again = _everything(seeded, event_ids[::-1])
    assert first == afresh
    backwards = [
        pair for n in range(len(event_ids) - 1, -1, -1) for pair in afresh[2 * n : 2 * n + 2]
    ]
    assert again == [*backwards, afresh[-1]]
    assert set(reads) == set(event_ids) and set(reads.values()) == {1}


def test_only_the_latest_events_asked_for_are_kept(
    seeded: Engine, reads: Counter[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = [e.id for e in seeded.events()][:2]
    monkeypatch.setattr(material, "KEPT_EVENTS", 1)
    for event_id in (first, second, first):
        seeded.brief(event_id=event_id)
    assert reads == Counter({first: 2, second: 1})
    monkeypatch.setattr(material, "KEPT_EVENTS", 2)
    reads.clear()
    for event_id in (second, first, second, first):
        seeded.brief(event_id=event_id)
    assert reads == Counter({second: 1})  # the first was kept from before
    monkeypatch.setattr(material, "KEPT_EVENTS", 0)  # lowered: what was kept goes at once
    reads.clear()
    for event_id in (first, first):
        seeded.brief(event_id=event_id)
    assert reads == Counter({first: 2})


def _remove_one_article(engine: Engine, event_id: int, tmp_path: Path) -> None:
    """Remove the last article of an event, and place the removal (at the next ingest)."""
    event = next(e for e in engine.events() if e.id == event_id)
    assert len(event.article_ids) >= 2
    removed = next(a for a in engine.articles() if a.id == event.article_ids[-1])
    engine.store.delete_paths([removed.path])
    (tmp_path / "later").mkdir()
    (tmp_path / "later" / "later.txt").write_text(
        "Later\n\nA farm minister opened a fair on Friday, the ministry said.\n", "utf-8"
    )
    engine.ingest([tmp_path / "later"])


def test_a_write_that_changes_the_event_reads_it_again(
    seeded: Engine, reads: Counter[int], tmp_path: Path
) -> None:
    latest = seeded.brief().event
    seeded.brief()
    assert reads[latest.id] == 1
    text = (
        "Talks opened on Monday\n\nMONTEVERDE, March 3 (Reuters) - A trade minister opened "
        "talks on Monday with a visiting delegation, the ministry said.\n"
    )
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "talks.txt").write_text(text, encoding="utf-8")
    # The seeds are few enough to be regrouped whole at every ingest, but an article of
    # another happening leaves their events as they were: none is written again.
    seeded.ingest([tmp_path / "more"])
    seeded.brief(event_id=latest.id)
    assert reads[latest.id] == 1
    _remove_one_article(seeded, latest.id, tmp_path)
    seeded.brief(event_id=latest.id)
    assert reads[latest.id] == 2


def test_rules_of_ones_own_are_not_kept(seeded: Engine, reads: Counter[int]) -> None:
    from dataclasses import replace

    event = seeded.events()[0]
    own = replace(load_rules())
    material.gather(seeded.store, event, own)
    material.gather(seeded.store, event, own)
    assert reads[event.id] == 2


def test_a_card_asked_again_reads_no_event_again(
    seeded: Engine, reads: Counter[int], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(material, "KEPT_EVENTS", 0)  # cards alone: no briefing's reading
    first = seeded.who("Kochavi")
    read = sum(reads.values())
    assert read > 0
    assert seeded.who("Kochavi") == first
    assert sum(reads.values()) == read
    monkeypatch.setattr(compose, "TOOK_PART_KEPT", 0)  # every answer dropped as it is kept
    assert seeded.who("Kochavi") == first
    assert sum(reads.values()) == 2 * read
    monkeypatch.setattr(compose, "TOOK_PART_KEPT", 10)
    seeded.who("Kochavi")
    seeded.who("Kochavi")
    assert sum(reads.values()) == 3 * read
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "note.txt").write_text(
        "A note\n\nA trade minister opened talks on Monday, the ministry said.\n", "utf-8"
    )
    seeded.ingest([tmp_path / "more"])
    assert seeded.who("Kochavi") == first
    # The note, placed against each of the seeds' few events, joined none: all are kept.
    assert sum(reads.values()) == 3 * read
    # One of the events the card reads loses an article: its answers are dropped.
    biggest = max(seeded.events(), key=lambda e: len(e.article_ids))
    _remove_one_article(seeded, biggest.id, tmp_path)
    seeded.who("Kochavi")
    assert 3 * read < sum(reads.values()) <= 4 * read


def test_what_a_briefing_adds_after_its_stances_leaves_the_next_one_alone(seeded: Engine) -> None:
    """Whom an official speaks for is read by reactions as finding the stances left it:
    what the titles' parties add afterwards (kept with the event) must not change the
    event's next briefing."""
    from briefings.brief.compose import _items
    from briefings.brief.reactions import event_stances, reactions_section

    rules = load_rules()
    event = seeded.brief().event
    material_ = material.gather(seeded.store, event)
    stances = event_stances(material_, rules)
    assert stances, "the seeds' latest event has reactions"
    first = reactions_section(material_, rules, set(), _items)
    # As a later party found in a title would: its official now "speaks for" somewhere else.
    speaks_for = material_.worked_out.setdefault("speaks_for", {})
    for stance in stances:
        speaks_for[stance.party] = "Elsewhere"
    again = reactions_section(material.gather(seeded.store, event), rules, set(), _items)
    assert again == first
