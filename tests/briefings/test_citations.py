"""Citations a reader can check: numbered markers, one sources list, guesses marked."""

from __future__ import annotations

import json
import re
from pathlib import Path

from briefings.engine import Engine
from briefings.render.views import visible_length
from tests.conftest import SEEDS

FILE_NAME = re.compile(r"\b\d{3}_[0-9a-f]{16}\b")


def test_seed_briefing_numbers_its_sources_and_never_names_a_file(seeded: Engine) -> None:
    text = seeded.renderer.briefing(seeded.brief(), "text")
    assert FILE_NAME.search(text) is None
    body, _, sources = text.partition("\nSOURCES\n")
    entries = re.findall(r"^ \[(\d+)\] (.+)$", sources, re.MULTILINE)
    # Each article once, numbered 1..n in the order a reader meets them in the items.
    assert [int(n) for n, _ in entries] == list(range(1, len(entries) + 1))
    first_seen = list(dict.fromkeys(int(n) for n in re.findall(r"\[(\d+)\]", body)))
    assert first_seen == list(range(1, len(entries) + 1))
    # Outlets where the text states one, else the headline; undated seeds say their date is a guess.
    lines = dict(entries)
    assert any(line.startswith("AFP · ") for line in lines.values())
    assert any(line.startswith("TASS · ") for line in lines.values())
    assert any("(date inferred)" in line for line in lines.values())
    for line in lines.values():
        assert " · 20" in line  # every seed of the event has a date, stated or inferred


def test_json_keeps_item_sources_and_adds_the_numbered_list(seeded: Engine) -> None:
    data = json.loads(seeded.renderer.briefing(seeded.brief(), "json"))
    citations = {c["number"]: c for c in data["citations"]}
    assert sorted(citations) == list(range(1, len(citations) + 1))
    for section in data["sections"]:
        for item in section["items"]:
            assert item["sources"] and item["articles"]
            cited = {citations[n]["article"] for n in item["citations"]}
            assert cited == set(item["articles"])
    outlets = {c["outlet"] for c in citations.values()}
    assert {"AFP", "TASS"} <= outlets
    assert all(not FILE_NAME.search(s) for sec in data["sections"] for i in sec["items"]
               for s in i["sources"])  # fmt: skip


def test_html_markers_link_to_the_article_when_its_address_is_known(
    engine: Engine, tmp_path: Path
) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    for seed in sorted(SEEDS.glob("00[0-3]_*.txt")):
        text = seed.read_text("utf-8")
        # A plain-text file may carry its address on a line of its own.
        (folder / seed.name).write_text(
            f"{text}\n\nurl: https://example.org/{seed.stem}\n", "utf-8"
        )
    engine.ingest([folder])
    html = engine.renderer.briefing(engine.brief(), "html")
    markers = re.findall(r'<a href="https://example.org/([^"]+)">\[(\d+)\]</a>', html)
    assert markers, html
    sources = html.partition("<b>Sources</b>")[2]
    for stem, number in markers:
        assert f"[{number}] " in sources and f'href="https://example.org/{stem}"' in sources
    assert "url:" not in html  # the address line is not article text


def test_trimmed_briefing_lists_only_what_its_items_still_cite(seeded: Engine) -> None:
    briefing = seeded.brief()
    full = seeded.renderer.briefing(briefing, "html")
    short = seeded.renderer.briefing(briefing, "html", max_chars=600)
    assert visible_length(short) <= 600 < visible_length(full)
    cited = set(re.findall(r"\[(\d+)\]", short.partition("<b>Sources</b>")[0]))
    listed = set(re.findall(r"^\[(\d+)\] ", short.partition("<b>Sources</b>")[2], re.MULTILINE))
    assert cited == listed and listed == {str(n) for n in range(1, len(listed) + 1)}


def test_inferred_outlet_is_marked_wherever_it_is_shown(engine: Engine, tmp_path: Path) -> None:
    story = (
        "Leaders meet for talks on trade\n\n"
        "The two leaders shake hands before their talks. (AP Photo/Some One)\n\n"
        "President Anna Berg met Prime Minister Carl Holm in Oslo on Monday for talks on trade.\n\n"
        "Berg said the talks were meant to open markets for both countries.\n"
    )
    (tmp_path / "a.txt").write_text(story, "utf-8")
    engine.ingest([tmp_path / "a.txt"])
    [article] = engine.articles()
    assert (article.outlet, article.outlet_source, article.is_outlet_inferred) == (
        "AP",
        "photo credit",
        True,
    )
    assert article.source_name == "AP (inferred)"
    briefing = engine.brief()
    assert "AP</b> <i>(outlet inferred)</i>" in engine.renderer.briefing(briefing, "html")
    data = json.loads(engine.renderer.briefing(briefing, "json"))
    assert data["citations"][0]["outlet_inferred"] is True
    assert "AP (inferred)" in engine.renderer.sources(engine.articles(), "html")


def test_person_roles_per_event_with_dates(seeded: Engine) -> None:
    [card, *_] = seeded.who("Kochavi")
    events = seeded.roles_by_event(card)
    assert events and all(e.date is not None for e in events)
    assert {"Air Force chief"} <= {role for e in events for role in e.roles}
    html = seeded.renderer.person(card, "html", events=events)
    assert events[0].date is not None and events[0].date.isoformat() in html
