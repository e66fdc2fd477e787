"""Briefings and people cards composed from the seeds, and from a corpus the test writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.telegram_html import validate_telegram_html
from briefings.brief.compose import MAX_ITEM_CHARS
from briefings.engine import Engine
from briefings.errors import NothingToBrief, PersonNotFound
from briefings.render.views import briefing_json, visible_length

NAMES_OF_2017 = ["Yossi Cohen", "Greenblatt", "Dina Powell", "Masters"]


def _sections(engine: Engine, **kwargs: object) -> dict[str, list[dict]]:
    briefing = briefing_json(engine.brief(**kwargs))  # type: ignore[arg-type]
    return {s["facet"]: s["items"] for s in briefing["sections"]}


def _text(items: list[dict]) -> str:
    return " ".join(i["text"] for i in items)


def test_the_default_briefing_is_on_the_latest_event(seeded: Engine) -> None:
    briefing = seeded.brief()
    assert briefing.event.date is not None and briefing.event.date.year == 2019
    assert "Netanyahu" in briefing.headline and "Putin" in briefing.headline
    assert "Sochi" in briefing.headline


def test_participants_are_named_with_their_roles(seeded: Engine) -> None:
    participants = _text(_sections(seeded)["participants"])
    for name in (
        "Benjamin Netanyahu",
        "Vladimir Putin",
        "Sergei Shoigu",
        "Meir Ben-Shabbat",
        "Aviv Kochavi",
    ):
        assert name in participants
    assert "Defen" in participants and "Minister" in participants


def test_both_roles_given_to_kochavi_are_shown_with_their_sources(seeded: Engine) -> None:
    item = next(i for i in _sections(seeded)["participants"] if "Kochavi" in i["text"])
    assert "Air Force chief" in item["text"]
    assert "Chief of General Staff" in item["text"]
    assert "TASS" in item["text"]


def test_purpose_items_are_about_syria_iran_and_avoiding_clashes(seeded: Engine) -> None:
    purpose = _text(_sections(seeded)["purpose"]).lower()
    assert "syria" in purpose
    assert "iran" in purpose or "clash" in purpose or "miscommunication" in purpose


def test_the_reaction_is_russias_to_the_annexation_plan_citing_its_outlets(seeded: Engine) -> None:
    briefing = briefing_json(seeded.brief())
    section = next(s for s in briefing["sections"] if s["facet"] == "reactions")
    assert "Russia" in section["heading"] and "annex" in section["heading"]
    first = section["items"][0]
    assert "annex" in first["text"]
    assert "AFP" in first["sources"] and len(first["sources"]) >= 2


def test_every_item_cites_a_source(seeded: Engine) -> None:
    for items in _sections(seeded).values():
        assert all(i["sources"] and i["articles"] for i in items)


def test_no_one_from_the_2017_event_appears_in_the_2019_briefing(seeded: Engine) -> None:
    blob = json.dumps(briefing_json(seeded.brief()))
    assert not [name for name in NAMES_OF_2017 if name in blob]
    assert "004_" not in blob


def test_the_2017_event_is_briefable_on_its_own(seeded: Engine) -> None:
    older = seeded.events()[1]
    briefing = briefing_json(seeded.brief(event_id=older.id))
    assert briefing["event"]["id"] == older.id
    cited = {a for s in briefing["sections"] for i in s["items"] for a in i["articles"]}
    assert cited and all("004_" in a for a in cited)


def test_the_default_briefing_is_short_and_valid_telegram_html(seeded: Engine) -> None:
    briefing = seeded.brief()
    assert sum(len(i.text) for s in briefing.sections for i in s.items) <= MAX_ITEM_CHARS
    html = seeded.renderer.briefing(briefing, "html")
    validate_telegram_html(html)
    assert visible_length(html) <= 4096
    assert "<br" not in html and "<p>" not in html


def test_a_query_focuses_the_briefing_and_picks_its_event(seeded: Engine) -> None:
    briefing = seeded.brief("annexation")
    assert briefing.event.date is not None and briefing.event.date.year == 2019
    with pytest.raises(NothingToBrief, match="Nothing in the corpus matches"):
        seeded.brief("zzzqqq")


def test_briefing_by_date_finds_the_nearest_event(seeded: Engine) -> None:
    import datetime as dt

    assert seeded.brief(on_date=dt.date(2017, 8, 22)).event.date == dt.date(2017, 8, 23)
    with pytest.raises(NothingToBrief):
        seeded.brief(on_date=dt.date(2000, 1, 1))


def test_an_empty_corpus_says_what_to_do(engine: Engine) -> None:
    with pytest.raises(NothingToBrief, match="ingest"):
        engine.brief()


@pytest.mark.parametrize("name", ["shoigu", "Shoigu", "SHOIGU", "Sergei Shoigu", "Shoygu"])
def test_who_finds_a_person_by_surname_case_and_spelling(seeded: Engine, name: str) -> None:
    card = seeded.who(name)[0]
    assert card.name == "Sergei Shoigu"
    assert card.is_participant


@pytest.mark.parametrize("name", ["Ben Shabbat", "ben-shabbat", "Meir Ben-Shabbat"])
def test_who_matches_hyphenated_names_loosely(seeded: Engine, name: str) -> None:
    assert seeded.who(name)[0].name == "Meir Ben-Shabbat"


def test_who_with_no_name_lists_the_latest_events_people(seeded: Engine) -> None:
    cards = seeded.who()
    names = [c.name for c in cards]
    assert "Benjamin Netanyahu" in names and "Vladimir Putin" in names
    assert not [n for n in names if any(old in n for old in NAMES_OF_2017)]
    assert [c.name for c in cards if c.is_participant][:2] != []


def test_who_for_an_unknown_name_suggests_close_ones(seeded: Engine) -> None:
    with pytest.raises(PersonNotFound) as error:
        seeded.who("Netanyahoo Benjamen Smith")
    assert "No one called" in str(error.value)


def test_a_card_carries_roles_per_outlet_and_a_quote(seeded: Engine) -> None:
    card = seeded.who("Netanyahu")[0]
    assert card.name == "Benjamin Netanyahu"
    assert any("Prime Minister" in r.role for r in card.roles)
    assert card.quote is not None and card.quote.sources
    assert len(card.articles) == 5


def test_a_second_corpus_written_here_is_briefed_from_its_own_facts(
    engine: Engine, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(
        "Berg visits Tokyo for talks on Arctic shipping\n\n"
        "TOKYO, March 3, 2021 (Reuters) - Norwegian Prime Minister Anna Berg met Japanese Prime "
        "Minister Kenji Sato in Tokyo on Wednesday to discuss Arctic shipping routes and fishing "
        "quotas.\n\n"
        "Berg, who was accompanied by Norwegian Trade Minister Lars Holm, said the talks were "
        "meant to secure a new shipping agreement.\n\n"
        "China's Foreign Ministry criticised the planned shipping agreement, saying it ignored "
        "other Arctic states.\n",
        "utf-8",
    )
    (corpus / "b.txt").write_text(
        "Norway and Japan discuss Arctic routes\n\n"
        "Tokyo (AFP) - Norwegian Prime Minister Anna Berg met Japanese Prime Minister Kenji Sato "
        "in Tokyo on Wednesday to discuss Arctic shipping routes and fishing quotas.\n\n"
        "Beijing criticised the planned shipping agreement on Thursday.\n\n"
        "March 4, 2021\n",
        "utf-8",
    )
    engine.ingest([corpus])
    briefing = briefing_json(engine.brief())
    sections = {s["facet"]: s for s in briefing["sections"]}
    assert "Anna Berg" in briefing["headline"] and "Kenji Sato" in briefing["headline"]
    assert "Tokyo" in briefing["headline"]
    assert "Lars Holm" in _text(sections["participants"]["items"])
    purpose = sections["purpose"]["items"][0]
    assert "Arctic shipping" in purpose["text"] and set(purpose["sources"]) == {"Reuters", "AFP"}
    assert sections["reactions"]["heading"].startswith("Reactions: China")


def test_a_query_both_events_answer_briefs_the_latest(seeded: Engine) -> None:
    briefing = seeded.brief("syria")
    assert briefing.event.date is not None and briefing.event.date.year == 2019
    assert seeded.brief("Mossad").event.date.year == 2017  # type: ignore[union-attr]


def test_the_context_line_is_the_election_the_visit_precedes(seeded: Engine) -> None:
    context = _sections(seeded)["context"]
    assert "election" in context[0]["text"].lower()


CORPORA = Path(__file__).resolve().parents[2].parent / "shared" / "corpora"


@pytest.mark.parametrize(
    "corpus",
    sorted(p.name for p in CORPORA.iterdir() if p.is_dir()) if CORPORA.is_dir() else ["absent"],
)
def test_no_sentence_is_told_twice_in_a_briefing(corpus: str, tmp_path: Path) -> None:
    """A sentence given as a reaction is not given again as context, nor anywhere else."""
    if not (CORPORA / corpus).is_dir():
        pytest.skip("../shared/corpora is absent")
    with Engine(tmp_path / "corpus.db") as engine:
        engine.ingest([CORPORA / corpus])
        for event in engine.events():
            brief = briefing_json(engine.brief(event_id=event.id))
            texts = [i["text"] for s in brief["sections"] for i in s["items"]]
            repeated = {t for t in texts if texts.count(t) > 1}
            assert not repeated, (corpus, event.id, repeated)
