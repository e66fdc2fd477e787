"""Briefings that hold on news nobody here has read: each test writes articles in the shape of
a failure seen on real corpora (a late reaction, a caption date, a transliterated name, a promo
line…) with people and places invented for it, and checks the class of error is gone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from briefings.engine import Engine
from briefings.render.views import briefing_json


def write(folder: Path, articles: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in articles.items():
        (folder / name).write_text(text, "utf-8")
    return folder


def by_file(engine: Engine) -> dict[str, object]:
    return {Path(a.path).name: a for a in engine.articles()}


# A visit to Peru: a report on the day, a preview, reactions days later, a distractor from years
# before with the same two leaders, and page furniture around the headlines.
VISIT = {
    "day.txt": (
        " date 2031-03-14\n"
        "Support The Lima Ledger!\n\n"
        "Sousa meets Quispe in Lima for talks on trade and the river dispute\n\n"
        "LIMA (Reuters) - Brazilian President Paulo Roberto Sousa da Costa met Peruvian President "
        "Ana Quispe in Lima on Friday for talks aimed at settling the river dispute and "
        "expanding trade.\n\n"
        "Sousa, who was accompanied by Foreign Minister Marta Reis, said the visit was meant to "
        "open a new chapter between the two countries.\n\n"
        "Quispe said the talks would focus on the river dispute.\n"
    ),
    "preview.txt": (
        " date 2031-03-11\n"
        "Sousa to visit Peru this week\n\n"
        "Brazilian President Paulo Roberto Sousa da Costa will travel to Lima on Friday to meet "
        "Peruvian President Ana Quispe, his office said on Tuesday.\n"
    ),
    "reaction.txt": (
        "Chile criticises Sousa's Lima visit\n\n"
        "Chile on Monday criticised the talks between Sousa and Quispe, saying the river accord "
        "ignored its own claims.\n\n"
        "Chilean Foreign Minister Tomas Herrera said Sousa's visit to Lima had been a mistake.\n"
    ),
    "late.txt": (
        " date 2031-03-19\n"
        "Argentina welcomes river accord after Sousa's visit to Peru\n\n"
        "BUENOS AIRES - Argentina welcomed the accord that Sousa and Quispe reached during the "
        "visit to Lima last week, calling it a model for the region.\n"
    ),
    "old.txt": (
        "Sousa and Quispe meet in Cusco\n\n"
        "Brazilian President Paulo Roberto Sousa da Costa met Peruvian President Ana Quispe in "
        "Cusco for talks on trade.\n\n"
        "Sousa and Quispe at the Cusco meeting, June 3, 2027. Jane Roe/Agency\n\n"
        "The two leaders discussed a rail link between the countries.\n"
    ),
}


@pytest.fixture
def visit(engine: Engine, tmp_path: Path) -> Engine:
    engine.ingest([write(tmp_path / "visit", VISIT)])
    return engine


def test_furniture_above_the_headline_is_not_the_title(visit: Engine) -> None:
    assert by_file(visit)["day.txt"].title.startswith("Sousa meets Quispe in Lima")  # type: ignore[attr-defined]


def test_previews_and_reactions_days_later_join_the_visit(visit: Engine) -> None:
    events = {name: a.event_id for name, a in by_file(visit).items()}  # type: ignore[attr-defined]
    assert (
        events["day.txt"] == events["preview.txt"] == events["reaction.txt"] == events["late.txt"]
    )


def test_a_meeting_years_before_with_the_same_people_stays_apart(visit: Engine) -> None:
    events = {name: a.event_id for name, a in by_file(visit).items()}  # type: ignore[attr-defined]
    assert events["old.txt"] != events["day.txt"]
    old = by_file(visit)["old.txt"]
    # Its only date is a photo caption: that dates the picture, and the event, never the page.
    assert old.date_source != "caption"  # type: ignore[attr-defined]
    assert visit.store.event(old.event_id).date == dt.date(2027, 6, 3)  # type: ignore[attr-defined,union-attr]


def test_an_undated_reaction_takes_the_events_date_flagged_as_inferred(visit: Engine) -> None:
    reaction = by_file(visit)["reaction.txt"]
    assert reaction.published == dt.date(2031, 3, 14)  # type: ignore[attr-defined]
    assert "inferred" in reaction.date_source  # type: ignore[attr-defined]


def test_the_visit_is_briefed_with_its_place_principals_roles_and_reactions(visit: Engine) -> None:
    event = by_file(visit)["day.txt"].event_id  # type: ignore[attr-defined]
    brief = briefing_json(visit.brief(event_id=event))
    sections = {s["facet"]: s for s in brief["sections"]}
    assert brief["event"]["place"] == "Lima"
    assert brief["event"]["date"] == "2031-03-14"
    assert "Paulo Roberto Sousa da Costa" in brief["headline"] and "Ana Quispe" in brief["headline"]
    roles = {p["name"]: p for p in brief["people"]}
    assert roles["Marta Reis"]["role"] == "participant" and roles["Marta Reis"]["evidence"]
    assert roles["Tomas Herrera"]["role"] == "reactor"
    participants = " ".join(i["text"] for i in sections["participants"]["items"])
    assert "Marta Reis" in participants and "Herrera" not in participants
    reactions = sections["reactions"]
    assert "Chile" in reactions["heading"] and "Argentina" in reactions["heading"]
    assert any("criticised" in i["text"] for i in reactions["items"])
    assert any(
        "meant to" in i["text"] or "aimed at" in i["text"] for i in sections["purpose"]["items"]
    )


# A pledge, not a meeting: what the news is about is not where it happened.
PLEDGE = {
    "pledge.txt": (
        " date 2032-05-04\n"
        "Premier Varga vows to annex the Northern Valley\n\n"
        "Premier Istvan Varga on Tuesday pledged to extend sovereignty to the Northern Valley if "
        "re-elected, in a speech at a rally in Szeged.\n\n"
        '"We will apply our law to the valley," Varga said at the rally in Szeged.\n'
    ),
    "world.txt": (
        "Neighbours condemn Varga's pledge\n\n"
        "Slovakia condemned Varga's pledge to annex the Northern Valley, calling it a threat to "
        "peace.\n\n"
        "The European Union said it would not recognise any change of borders.\n"
    ),
}


def test_a_pledge_is_placed_where_it_was_made_and_its_reactions_found(
    engine: Engine, tmp_path: Path
) -> None:
    engine.ingest([write(tmp_path / "pledge", PLEDGE)])
    brief = briefing_json(engine.brief())
    assert brief["event"]["place"] == "Szeged"
    reactions = next(s for s in brief["sections"] if s["facet"] == "reactions")
    assert reactions["heading"].startswith("Reactions: Slovakia on Varga's pledge")
    assert all("Varga" not in p["name"] or p["role"] == "principal" for p in brief["people"])


# One person, many spellings: transliterations and a name used alone, merged on evidence.
SPELLINGS = {
    "a.txt": (
        " date 2033-02-01\n"
        "Petrenko meets Lindqvist in Oslo\n\n"
        "Ukrainian Foreign Minister Oleksandr Petrenko met Norwegian Prime Minister Eva Lindqvist "
        "in Oslo on Monday to discuss grain exports.\n"
    ),
    "b.txt": (
        " date 2033-02-01\n"
        "Lindqvist hosts Ukrainian minister\n\n"
        "Ukrainian Foreign Minister Aleksandr Petrenkko held talks with Norwegian Prime Minister "
        "Eva Lindqvist in Oslo on Monday, Petrenkko said.\n"
    ),
    "c.txt": (
        " date 2033-02-02\n"
        "Oslo talks end\n\n"
        "Norwegian Prime Minister Eva Lindqvist said talks with Petrenko in Oslo went well. "
        "Her husband, the writer Nils Lindqvist, said nothing.\n"
    ),
}


def test_spellings_of_one_person_make_one_card_and_namesakes_stay_apart(
    engine: Engine, tmp_path: Path
) -> None:
    engine.ingest([write(tmp_path / "spellings", SPELLINGS)])
    for spelling in ("Oleksandr Petrenko", "Aleksandr Petrenkko", "Petrenko", "Petrenkko"):
        cards = engine.who(spelling)
        assert [c.name for c in cards] == ["Oleksandr Petrenko"] or [c.name for c in cards] == [
            "Aleksandr Petrenkko"
        ], spelling
    names = {c.name for c in engine.who("Lindqvist")}
    assert "Eva Lindqvist" in names and "Nils Lindqvist" in names


def test_an_item_never_opens_on_a_pronoun_whose_person_is_unseen(
    engine: Engine, tmp_path: Path
) -> None:
    engine.ingest(
        [
            write(
                tmp_path / "pronoun",
                {
                    "p.txt": (
                        " date 2034-07-07\n"
                        "Mendes visits Accra\n\n"
                        "President Rui Mendes arrived in Accra on Monday for talks with President "
                        "Kofi Asante.\n\n"
                        "He said the focus of the talks would be to agree on a new cocoa deal.\n"
                    )
                },
            )
        ]
    )
    purpose = next(s for s in briefing_json(engine.brief())["sections"] if s["facet"] == "purpose")
    assert any(i["text"].startswith("[Mendes] said the focus") for i in purpose["items"])


def test_a_card_lists_the_spellings_it_gathers(engine: Engine, tmp_path: Path) -> None:
    engine.ingest([write(tmp_path / "spellings", SPELLINGS)])
    [card] = engine.who("Petrenkko")
    others = {"Oleksandr Petrenko", "Aleksandr Petrenkko"} - {card.name}
    assert set(card.spellings) == others
