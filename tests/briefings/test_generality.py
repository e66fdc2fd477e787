"""The engine on articles it was not built around: other formats, outlets, people and places.

The texts are written here (invented wire copy about a Franco-German meeting and a visit to
Rabat), in the shapes real feeds take: a Reuters dateline without a year, an AP dateline and
a footer date, an HTML page with metadata, a JSONL feed item.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from briefings.engine import Engine
from briefings.render.views import briefing_json

ARTICLES = {
    "ap.txt": 'France, Germany vow unity on anniversary of friendship treaty\n\nBERLIN (AP) — German Chancellor Olaf Scholz traveled to Paris on Sunday for talks with French President Emmanuel Macron aimed at smoothing over differences on energy and defense.\n\nScholz, who was accompanied by Defense Minister Boris Pistorius, said the two countries would work together to support Ukraine "for as long as it takes."\n\nThe meeting comes ahead of a European Union summit next month where leaders are expected to discuss a response to U.S. subsidies for green industries.\n\nPolish Prime Minister Mateusz Morawiecki criticized the meeting, saying Germany was still too slow to send tanks to Ukraine.\n\nKyiv welcomed the joint declaration, with Ukrainian President Volodymyr Zelenskyy thanking both leaders in his nightly address.\n\nJanuary 22, 2023\n',
    "feed.jsonl": '{"title": "Spain\'s Sanchez visits Rabat", "text": "Spanish Prime Minister Pedro Sanchez met Moroccan King Mohammed VI in Rabat on Thursday to discuss migration and trade.\\n\\nSanchez said the visit was designed to open a new stage in relations between the two countries.", "url": "https://example.org/a", "published": "2023-02-02", "outlet": "Example Wire"}\n',
    "page.html": '<html><head><title>Macron and Scholz celebrate treaty - Example News</title>\n<meta property="og:site_name" content="Example News">\n<meta property="article:published_time" content="2023-01-22T18:00:00Z">\n</head><body><nav>Home | World | Sport</nav>\n<article><h1>Macron and Scholz celebrate treaty</h1>\n<p>French President Emmanuel Macron and German Chancellor Olaf Scholz met in Paris on Sunday to celebrate sixty years of the Elysee Treaty and to discuss European defence.</p>\n<p>The talks were intended to overcome tensions over energy policy, officials said.</p>\n<p>Ukrainian President Volodymyr Zelenskyy welcomed the meeting.</p>\n</article><footer>Copyright Example News. Subscribe to our newsletter.</footer></body></html>\n',
    "reuters.txt": 'Macron, Scholz pledge closer defence ties at Paris meeting\n\nPARIS, Jan 22 (Reuters) - French President Emmanuel Macron and German Chancellor Olaf Scholz met in Paris on Sunday to mark the 60th anniversary of the Elysee Treaty, pledging to deepen cooperation on defence and energy as Europe responds to the war in Ukraine.\n\nThe two leaders, who were joined by French Foreign Minister Catherine Colonna and German Foreign Minister Annalena Baerbock, held talks at the Elysee Palace before a joint cabinet meeting.\n\n"Germany and France are pioneers of European unity," Scholz told a ceremony at the Sorbonne university.\n\nMacron said the meeting was meant to show that the Franco-German partnership remained "the engine of Europe" despite recent disagreements over energy prices and defence procurement.\n\nPoland\'s Prime Minister Mateusz Morawiecki criticised the meeting, saying Berlin was still too slow to send tanks to Ukraine.\n\n(Reporting by John Irish and Sarah Marsh; Editing by Alex Richardson)\n',
}


@pytest.fixture
def other(engine: Engine, tmp_path: Path) -> Engine:
    folder = tmp_path / "other"
    folder.mkdir()
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, "utf-8")
    report = engine.ingest([folder])
    assert len(report.added) == 4 and not report.rejected
    return engine


def _by_name(engine: Engine) -> dict[str, Any]:
    return {Path(a.path.split("#")[0]).name: a for a in engine.articles()}


def test_outlets_come_from_datelines_metadata_and_fields(other: Engine) -> None:
    outlets = {name: a.outlet for name, a in _by_name(other).items()}  # type: ignore[attr-defined]
    assert outlets == {
        "ap.txt": "AP",
        "reuters.txt": "Reuters",
        "page.html": "Example News",
        "feed.jsonl": "Example Wire",
    }


def test_dates_come_from_footers_metadata_and_the_event(other: Engine) -> None:
    articles = _by_name(other)
    assert str(articles["ap.txt"].published) == "2023-01-22"  # type: ignore[attr-defined]
    assert str(articles["page.html"].published) == "2023-01-22"  # type: ignore[attr-defined]
    reuters = articles["reuters.txt"]
    # "PARIS, Jan 22 (Reuters)" has no year: the event supplies it, flagged as inferred.
    assert (str(reuters.published), reuters.date_source) == (
        "2023-01-22",
        "dateline, year inferred from event",
    )  # type: ignore[attr-defined]


def test_the_paris_reports_form_one_event_and_rabat_another(other: Engine) -> None:
    events = {name: a.event_id for name, a in _by_name(other).items()}  # type: ignore[attr-defined]
    assert events["ap.txt"] == events["reuters.txt"] == events["page.html"]
    assert events["feed.jsonl"] != events["ap.txt"]


def test_the_paris_briefing_names_who_met_where_and_who_reacted(other: Engine) -> None:
    paris = next(e for e in other.events() if e.place == "Paris")
    brief = briefing_json(other.brief(event_id=paris.id))
    sections = {s["facet"]: s for s in brief["sections"]}
    assert "Olaf Scholz" in brief["headline"] and "Emmanuel Macron" in brief["headline"]
    participants = " ".join(i["text"] for i in sections["participants"]["items"])
    assert "Annalena Baerbock" in participants and "Boris Pistorius" in participants
    assert "Zelenskyy" not in participants and "Morawiecki" not in participants
    assert sections["reactions"]["heading"].startswith("Reactions: Poland on the meeting")
    poland = sections["reactions"]["items"][0]
    assert "Morawiecki" in poland["text"] and set(poland["sources"]) == {"AP", "Reuters"}
    assert any("meant to" in i["text"] for i in sections["purpose"]["items"])


def test_a_king_keeps_his_regnal_number(other: Engine) -> None:
    card = other.who("Mohammed")[0]
    assert card.name == "Mohammed VI"
    assert [r.role for r in card.roles] == ["Moroccan King"]


def test_nothing_of_the_seeds_is_needed(other: Engine) -> None:
    blob = json.dumps(briefing_json(other.brief()))
    assert "Rabat" in blob and "Pedro Sanchez" in blob


QUAKE = {
    "a.txt": (
        "Strong earthquake strikes southern Turkey\n\n"
        "ANKARA, Feb 6, 2023 (Reuters) - A magnitude 7.8 earthquake struck southern Turkey and "
        "northwest Syria early on Monday, killing hundreds of people and toppling buildings.\n\n"
        "Turkish President Tayyip Erdogan said 45 countries had offered help with search and "
        "rescue efforts.\n\n"
        "The European Union condemned reports of looting and urged calm, while the United Nations "
        "said it was sending teams to assess the damage.\n"
    ),
    "b.txt": (
        "Rescuers race to find survivors after quake\n\n"
        "ISTANBUL (AP) — Rescue teams dug through rubble on Monday after a powerful earthquake "
        "struck southern Turkey and northern Syria, killing hundreds.\n\n"
        "President Recep Tayyip Erdogan declared seven days of national mourning.\n"
    ),
}


def test_news_that_is_not_a_meeting_briefs_what_happened_and_who_reacted(
    engine: Engine, tmp_path: Path
) -> None:
    for name, text in QUAKE.items():
        (tmp_path / name).write_text(text, "utf-8")
    engine.ingest([tmp_path / name for name in QUAKE])
    brief = briefing_json(engine.brief())
    sections = {s["facet"]: s for s in brief["sections"]}
    assert sections["summary"]["heading"] == "What happened"
    assert all("earthquake" in i["text"] for i in sections["summary"]["items"])
    assert sections["reactions"]["heading"] == "Reactions: European Union on reports of looting"


BALI = {
    "nyt.txt": "Biden and Xi Meet in Bali, Seeking to Ease Tensions\n\nNUSA DUA, Indonesia — President Biden met China's leader, Xi Jinping, on Monday on the Indonesian island of Bali, their first in-person meeting since Mr. Biden took office.\n\nMr. Biden said the talks were meant to keep competition from veering into conflict. Mr. Xi said the two countries should \"chart the right course\" for relations.\n\nSecretary of State Antony Blinken and Treasury Secretary Janet L. Yellen joined Mr. Biden at the meeting, while Mr. Xi was accompanied by Wang Yi, his top diplomat.\n\nTaiwan's presidential office welcomed the meeting, saying it hoped for stability in the region.\n\nNovember 14, 2022\n",
    "reuters.txt": "Xi, Biden hold talks in Bali ahead of G20 summit\n\nNUSA DUA, Indonesia, Nov 14 (Reuters) - U.S. President Joe Biden and Chinese President Xi Jinping met on Monday in Bali, Indonesia, on the sidelines of the Group of 20 summit, aiming to manage competition between the world's two largest economies.\n\nXi told Biden the world expected China and the United States to handle their relationship properly.\n\nTaiwan's presidential office welcomed the meeting.\n",
}


# An article that names no outlet is cited by its headline, never by its file name.
NYT_HEADLINE = "Biden and Xi Meet in Bali, Seeking to Ease Tensions"


def test_family_name_first_honorifics_and_shorter_copies(engine: Engine, tmp_path: Path) -> None:
    for name, text in BALI.items():
        (tmp_path / name).write_text(text, "utf-8")
    engine.ingest([tmp_path / name for name in BALI])
    brief = briefing_json(engine.brief())
    sections = {s["facet"]: s for s in brief["sections"]}
    # "Xi Jinping" and, later, "Mr. Xi" are one person, whom both outlets name.
    assert "Chinese President Xi Jinping" in brief["headline"]
    xi = next(i for i in sections["participants"]["items"] if "Xi" in i["text"])
    assert xi["text"].startswith("Xi Jinping") and set(xi["sources"]) == {NYT_HEADLINE, "Reuters"}
    # A report one outlet carries with more words after it is one item citing both.
    [taiwan] = sections["reactions"]["items"]
    assert set(taiwan["sources"]) == {NYT_HEADLINE, "Reuters"}
    assert any("aiming to" in i["text"] for i in sections["purpose"]["items"])


MODI_FEED = '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Example Times</title><link>https://example.org</link>\n<item><title>Modi to visit Washington next week</title><link>https://example.org/1</link><pubDate>Thu, 15 Jun 2023 09:00:00 GMT</pubDate>\n<description>Indian Prime Minister Narendra Modi will travel to Washington next week for talks with US President Joe Biden on defence and technology, the foreign ministry said on Thursday.</description></item>\n<item><title>Biden hosts Modi at White House</title><link>https://example.org/2</link><pubDate>Thu, 22 Jun 2023 20:00:00 GMT</pubDate>\n<description>US President Joe Biden welcomed Indian Prime Minister Narendra Modi to the White House on Thursday for talks aimed at deepening defence and technology ties. Biden said the partnership was "among the most consequential in the world".</description></item>\n<item><title>Modi addresses Congress a day after Biden talks</title><link>https://example.org/3</link><pubDate>Fri, 23 Jun 2023 18:00:00 GMT</pubDate>\n<description>Indian Prime Minister Narendra Modi addressed the US Congress on Thursday, hours after his talks with President Joe Biden, and on Friday met business leaders.</description></item>\n<item><title>Modi and Biden meet again at G20 in Delhi</title><link>https://example.org/4</link><pubDate>Fri, 08 Sep 2023 19:00:00 GMT</pubDate>\n<description>Indian Prime Minister Narendra Modi hosted US President Joe Biden for bilateral talks in New Delhi on Friday, on the eve of the G20 summit, to discuss jet engines and nuclear cooperation.</description></item>\n</channel></rss>\n'


def test_a_visit_covered_over_several_days_is_one_event(engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "feed.xml").write_text(MODI_FEED, "utf-8")
    report = engine.ingest([tmp_path / "feed.xml"])
    assert len(report.added) == 4
    events = {a.title[:12]: a.event_id for a in engine.articles()}
    # The preview ("next week"), the visit and the next day's report: one event.
    assert events["Modi to visi"] == events["Biden hosts "] == events["Modi address"]
    # The same two leaders, months later elsewhere: another.
    assert events["Modi and Bid"] != events["Biden hosts "]
    brief = briefing_json(engine.brief())
    assert brief["headline"] == (
        "US President Joe Biden and Indian Prime Minister Narendra Modi · New Delhi · 8 September 2023"
    )
    assert all(i["sources"] == ["Example Times"] for s in brief["sections"] for i in s["items"])


BACKGROUND = (
    "Chile's Boric meets Finland's Stubb in Helsinki\n\n"
    "HELSINKI (AP) — Chilean President Gabriel Boric met Finnish President Alexander Stubb in "
    "Helsinki on Tuesday to discuss trade in copper and forest products.\n\n"
    "Before Boric's visit, Argentina had criticised Chile over a border dispute.\n\n"
    "Peru welcomed the meeting, saying it could help regional trade.\n\n"
    "March 5, 2024\n"
)


def test_a_stance_told_in_the_past_perfect_is_background_not_a_reaction(
    engine: Engine, tmp_path: Path
) -> None:
    (tmp_path / "visit.txt").write_text(BACKGROUND, "utf-8")
    engine.ingest([tmp_path / "visit.txt"])
    brief = briefing_json(engine.brief())
    reactions = next(s for s in brief["sections"] if s["facet"] == "reactions")
    said = " ".join(i["text"] for i in reactions["items"])
    assert "Peru welcomed" in said and "Argentina" not in said


def test_a_reaction_heading_says_what_it_is_on_never_only_whom(tmp_path: Path) -> None:
    """ "Bolivia on Chilean President X" names a party, not what the stance is on; "on X's
    visit" says it."""
    on_whom = BACKGROUND.replace(
        "Peru welcomed the meeting, saying it could help regional trade.",
        "Bolivia criticised Chilean President Gabriel Boric, saying he ignored the region.",
    )
    on_what = on_whom.replace(
        "criticised Chilean President Gabriel Boric", "criticised Boric's visit"
    )
    headings = []
    for name, text in (("whom", on_whom), ("what", on_what)):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "visit.txt").write_text(text, "utf-8")
        with Engine(tmp_path / f"{name}.db") as fresh:
            fresh.ingest([folder])
            brief = briefing_json(fresh.brief())
        headings.append(next(s for s in brief["sections"] if s["facet"] == "reactions")["heading"])
    assert headings == ["Reactions: Bolivia", "Reactions: Bolivia on Boric's visit"]


def test_an_official_reacts_for_the_country_their_role_names(tmp_path: Path) -> None:
    """Named once with a role ("Peruvian Foreign Ministry spokeswoman"), an official who then
    reacts by name speaks for that country, not for themselves."""
    text = BACKGROUND.replace(
        "Peru welcomed the meeting, saying it could help regional trade.",
        "Peruvian Foreign Ministry spokeswoman Rosa Paredes spoke to reporters in Lima.\n\n"
        '"We welcome the meeting in Helsinki," Paredes said on Wednesday.',
    )
    (tmp_path / "visit.txt").write_text(text, "utf-8")
    with Engine(tmp_path / "visit.db") as engine:
        engine.ingest([tmp_path / "visit.txt"])
        brief = briefing_json(engine.brief())
    reactions = next(s for s in brief["sections"] if s["facet"] == "reactions")
    assert reactions["heading"].startswith("Reactions: Peru")
    assert "Paredes" in reactions["items"][0]["text"]
