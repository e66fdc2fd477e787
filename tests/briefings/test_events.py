"""Events: the same happening grouped, different ones kept apart, undated articles placed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from briefings.engine import Engine


def _event_of(engine: Engine) -> dict[str, int | None]:
    return {Path(a.path).name[:3]: a.event_id for a in engine.articles()}


def test_the_four_2019_seeds_form_one_event_and_the_2017_one_another(seeded: Engine) -> None:
    events = _event_of(seeded)
    assert events["000"] == events["001"] == events["002"] == events["003"]
    assert events["004"] != events["000"]
    assert len(seeded.events()) == 2


def test_undated_seeds_take_their_events_date_flagged_as_inferred(seeded: Engine) -> None:
    by_name = {Path(a.path).name[:3]: a for a in seeded.articles()}
    for name in ("001", "002"):
        assert by_name[name].published == dt.date(2019, 9, 12)
        assert by_name[name].date_source == "inferred from event"


def test_the_latest_event_comes_first_with_its_date_and_place(seeded: Engine) -> None:
    latest, older = seeded.events()
    assert (latest.date, latest.place) == (dt.date(2019, 9, 12), "Sochi")
    assert older.date is not None and older.date.year == 2017


def test_event_ids_stay_stable_when_more_articles_arrive(seeded: Engine, tmp_path: Path) -> None:
    before = {e.id for e in seeded.events()}
    other = tmp_path / "other.txt"
    other.write_text(
        "Chancellor Anna Berg meets Japanese Foreign Minister Kenji Sato in Oslo\n\n"
        "OSLO, March 3, 2021 (Reuters) - Chancellor Anna Berg met Japanese Foreign Minister "
        "Kenji Sato in Oslo on Wednesday to discuss fishing quotas and Arctic shipping.\n",
        "utf-8",
    )
    seeded.ingest([other])
    after = {e.id for e in seeded.events()}
    assert before < after


def test_four_meetings_of_the_same_two_leaders_stay_four_events(
    engine: Engine, dev_corpus: Path
) -> None:
    engine.ingest([dev_corpus])
    events = {Path(a.path).name: a.event_id for a in engine.articles()}
    assert events["01.txt"] == events["02.txt"] == events["03.txt"]
    firsts = {events["01.txt"], events["04.txt"], events["05.txt"], events["07.txt"]}
    assert len(firsts) == 4


def _talks_report(day: dt.date, round_number: int) -> str:
    """A continuing story's report: the same two envoys, the same words, a new round."""
    stamp = day.strftime("%B %-d, %Y")
    return (
        f"Envoys Hold Round {round_number} of Border Talks in Veltria\n\n"
        f"VELTRIA CITY, {stamp} — Envoy Arlen Vosk and Envoy Peder Malkin held "
        f"round {round_number} of their border talks in Veltria City on {stamp}, "
        "discussing the disputed crossing and the fishing rights along the river.\n\n"
        "Vosk said the talks on the crossing were useful. Malkin said the fishing rights "
        "still divided the two delegations.\n"
    )


def test_a_story_covered_every_few_days_does_not_chain_into_one_event(
    engine: Engine, tmp_path: Path
) -> None:
    # Each report dates its round within a few days of the one before: the window alone
    # would join each to the last and stretch one event over the whole season.
    start = dt.date(2021, 3, 1)
    days = [start + dt.timedelta(days=3 * n) for n in range(30)]  # 87 days of coverage
    for n, day in enumerate(days):
        (tmp_path / f"round-{n:02}.txt").write_text(_talks_report(day, n + 1), "utf-8")
    report = engine.ingest([tmp_path])
    assert len(report.added) == len(days) and not report.rejected
    events: dict[int | None, list[dt.date]] = {}
    for article in engine.articles():
        events.setdefault(article.event_id, []).append(article.published or start)
    assert None not in events
    assert len(events) > 1
    for dates in events.values():
        assert (max(dates) - min(dates)).days <= 17  # EARLY_DAYS + LATE_DAYS
