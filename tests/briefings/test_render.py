"""Rendering: Telegram HTML that is valid and escaped, plain text, JSON, sandboxed templates.

Every fact is built in memory with invented names; the markup in them is what an article or
a reader could send, and must come out as text, never as markup.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.telegram_html import validate_telegram_html, visible_text
from bot.telegram_html import visible_length as telegram_visible_length
from briefings.index.corpus_overview import OutletArticles, SourcesOverview
from briefings.models import (
    Briefing,
    Event,
    EventRoles,
    Item,
    PersonCard,
    RoleClaim,
    SearchHit,
    Section,
    StoredArticle,
    Topic,
)
from briefings.render.views import (
    Renderer,
    article_name,
    translated_heading,
    visible_length,
)

HOSTILE = "<i>Kallavik</i> & \"Vordia\" <script>alert('x')</script> 5 < 6"
DAY = dt.date(2024, 3, 2)


def article(
    number: int,
    title: str = "Harbour talks",
    outlet: str | None = "Kallavik Herald",
    url: str | None = None,
    date_source: str = "field",
) -> StoredArticle:
    return StoredArticle(
        id=number,
        path=f"/home/someone/corpus/article-{number}.txt",
        title=title,
        outlet=outlet,
        published=DAY,
        date_source=date_source,
        language="en",
        event_id=1,
        topics=("fishing",),
        url=url,
    )


def briefing(items: int = 1, text: str = "The ministers met to discuss quotas.") -> Briefing:
    first = article(1, title="Vordia & Merenia <agree>", url="https://example.org/a?x=1&y=2")
    second = article(2, title="Second report", outlet=None, date_source="inferred from event")
    purpose = tuple(
        Item(f"{text} ({n})", ("Kallavik Herald",), (first.path,)) for n in range(items)
    )
    reactions = (
        Item("Vordia welcomed the accord.", ("Second report",), (second.path,)),
        Item("Merenia did too.", ("Kallavik Herald",), (first.path, second.path)),
    )
    return Briefing(
        event=Event(1, "Vordia–Merenia harbour talks", DAY, "Kallavik", (1, 2)),
        headline="Ministers <b>meet</b> & talk",
        sections=(
            Section("purpose", "Purpose", purpose),
            Section("reactions", "Reactions: Vordia", reactions),
        ),
        query="<i>quotas</i>",
        articles=(first, second),
    )


def card(text: str = HOSTILE) -> PersonCard:
    return PersonCard(
        name=text,
        roles=(RoleClaim(f"Mayor {text}", (text,), ("article-1.txt",)),),
        is_participant=True,
        articles=("article-1.txt",),
        mentions=3,
        events=(1,),
        quote=Item(text, (text,), ("article-1.txt",)),
        spellings=(text,),
    )


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


def assert_escaped(rendered: str) -> None:
    """Valid Telegram HTML in which the hostile text shows as text, not markup."""
    validate_telegram_html(rendered)
    assert "<script>" not in rendered and "<i>Kallavik</i>" not in rendered
    assert "<script>alert('x')</script>" in visible_text(rendered)


# -- Telegram HTML ---------------------------------------------------------------------------


def test_a_briefings_html_is_valid_and_its_facts_escaped(renderer: Renderer) -> None:
    rendered = renderer.briefing(briefing(text=HOSTILE), "html")
    assert_escaped(rendered)
    shown = visible_text(rendered)
    assert "Ministers <b>meet</b> & talk" in shown  # the headline's markup is its text
    assert "Vordia & Merenia <agree>" in shown  # so is an article's title
    assert 'href="https://example.org/a?x=1&amp;y=2"' in rendered


def test_a_briefings_items_carry_numbered_sources_listed_once(renderer: Renderer) -> None:
    shown = visible_text(renderer.briefing(briefing(), "html"))
    assert "• The ministers met to discuss quotas. (0) [1]" in shown
    assert "• Merenia did too. [1][2]" in shown
    sources = shown.split("Sources", 1)[1]
    assert re.findall(r"^\[(\d)\]", sources, re.M) == ["1", "2"]
    assert "Kallavik Herald" in sources and "date inferred" in sources


@pytest.mark.parametrize(
    "render",
    [
        lambda r: r.people([card()], "html", title=HOSTILE),
        lambda r: r.person(card(), "html", events=[EventRoles(1, HOSTILE, DAY, HOSTILE, ())]),
        lambda r: r.topics([Topic(HOSTILE, 2, DAY, DAY + dt.timedelta(days=3))], "html"),
        lambda r: r.sources([article(1, title=HOSTILE, outlet=HOSTILE)], "html"),
        lambda r: r.search(HOSTILE, [SearchHit(1, "p", HOSTILE, DAY, HOSTILE, 1.0)], "html"),
    ],
    ids=["people", "person", "topics", "sources", "search"],
)
def test_every_html_view_is_valid_and_escaped(
    renderer: Renderer, render: Callable[[Renderer], str]
) -> None:
    assert_escaped(render(renderer))


def test_a_search_query_is_escaped_and_matches_are_bold(renderer: Renderer) -> None:
    hits = [SearchHit(1, "p", "Harbour", DAY, "boats & [quotas] <b>here</b>", 1.0)]
    rendered = renderer.search("<b>quotas</b> & boats", hits, "html")
    validate_telegram_html(rendered)
    assert "Search: &lt;b&gt;quotas&lt;/b&gt; &amp; boats" in rendered
    assert "boats &amp; <b>quotas</b> &lt;b&gt;here&lt;/b&gt;" in rendered


def test_a_search_with_no_hits_says_so(renderer: Renderer) -> None:
    rendered = renderer.search("quotas", [], "html")
    validate_telegram_html(rendered)
    assert "Nothing matches." in rendered


def test_a_long_briefing_is_trimmed_to_fit_and_renumbers_its_sources(renderer: Renderer) -> None:
    long = briefing(items=40, text="The ministers met to discuss quotas " * 4)
    full = renderer.briefing(long, "html", max_chars=100_000)
    assert visible_length(full) > 1000
    trimmed = renderer.briefing(long, "html", max_chars=1000)
    validate_telegram_html(trimmed)
    assert visible_length(trimmed) <= 1000
    shown = visible_text(trimmed)
    body, sources = shown.split("Sources", 1)
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", body)}
    listed = [int(n) for n in re.findall(r"^\[(\d+)\]", sources, re.M)]
    assert listed == list(range(1, len(listed) + 1))  # numbered from 1, no gaps
    assert cited == set(listed)  # every source listed is cited, every citation listed


# -- visible length ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "length"),
    [
        ("plain", 5),
        ("<b>bold</b>", 4),
        ('<a href="https://example.org/?a=1&amp;b=2">link</a>', 4),
        ("&lt;b&gt;", 3),
        ("a &amp; b", 5),
        ("&#39;&#x1F600;", 2),
        ("<b>nested <i>tags</i></b>", 11),
    ],
)
def test_visible_length_ignores_tags_and_counts_an_entity_as_one(html: str, length: int) -> None:
    assert visible_length(html) == length


def test_visible_length_agrees_with_telegrams_count_on_rendered_views(renderer: Renderer) -> None:
    rendered = [
        renderer.briefing(briefing(text=HOSTILE), "html"),
        renderer.person(card(), "html"),
        renderer.search(HOSTILE, [SearchHit(1, "p", HOSTILE, DAY, f"[{HOSTILE}]", 1.0)], "html"),
    ]
    for text in rendered:
        assert visible_length(text) == telegram_visible_length(text)


# -- plain text and JSON -----------------------------------------------------------------------


def test_a_briefings_text_is_plain_and_unescaped(renderer: Renderer) -> None:
    rendered = renderer.briefing(briefing(text=HOSTILE), "text")
    assert "&lt;" not in rendered and "&amp;" not in rendered
    lines = rendered.splitlines()
    assert lines[0] == "Ministers <b>meet</b> & talk"
    assert "Event 1, 2024-03-02" in lines
    assert "PURPOSE" in lines and "REACTIONS: VORDIA" in lines
    assert f" - {HOSTILE} (0) [1]" in lines
    assert "     https://example.org/a?x=1&y=2" in lines
    assert rendered.endswith("\n") and not rendered.endswith("\n\n")


def test_a_briefings_json_shape(renderer: Renderer) -> None:
    found = json.loads(renderer.briefing(briefing(text=HOSTILE), "json"))
    assert set(found) == {"event", "headline", "query", "sections", "people", "citations"}
    assert found["event"] == {
        "id": 1,
        "title": "Vordia–Merenia harbour talks",
        "date": "2024-03-02",
        "place": "Kallavik",
    }
    assert found["headline"] == "Ministers <b>meet</b> & talk"  # JSON carries text as it is
    assert found["query"] == "<i>quotas</i>"
    assert [s["facet"] for s in found["sections"]] == ["purpose", "reactions"]
    item = found["sections"][1]["items"][1]
    assert item == {
        "text": "Merenia did too.",
        "sources": ["Kallavik Herald"],
        "articles": ["article-1.txt", "article-2.txt"],  # no machine's folders
        "citations": [1, 2],
    }
    first, second = found["citations"]
    assert first["number"] == 1 and first["url"] == "https://example.org/a?x=1&y=2"
    assert first["published"] == "2024-03-02" and not first["date_inferred"]
    assert second["outlet"] is None and second["date_inferred"]


def test_people_topics_search_and_sources_json_shapes(renderer: Renderer) -> None:
    (person,) = json.loads(renderer.people([card("Lina Varga")], "json"))
    assert person["name"] == "Lina Varga"
    assert person["roles"] == [
        {"role": "Mayor Lina Varga", "sources": ["Lina Varga"], "articles": ["article-1.txt"]}
    ]
    assert person["participant"] is True and person["mentions"] == 3
    assert person["quote"]["text"] == "Lina Varga"
    events = [EventRoles(1, "Harbour talks", DAY, "Kallavik", ("Mayor",))]
    one = json.loads(renderer.person(card("Lina Varga"), "json", events=events))
    assert one["events_roles"][0]["date"] == "2024-03-02"
    topics = json.loads(renderer.topics([Topic("fishing", 2, DAY, None)], "json"))
    assert topics == [{"name": "fishing", "article_count": 2, "first": "2024-03-02", "last": None}]
    hits = json.loads(renderer.search("q", [SearchHit(1, "p", "T", None, "s", 0.5)], "json"))
    assert hits == [
        {
            "article_id": 1,
            "path": "p",
            "title": "T",
            "published": None,
            "snippet": "s",
            "score": 0.5,
        }
    ]
    (source,) = json.loads(renderer.sources([article(1)], "json"))
    assert source["outlet"] == "Kallavik Herald" and source["topics"] == ["fishing"]


def test_topics_text_is_a_table_row_per_topic(renderer: Renderer) -> None:
    rendered = renderer.topics(
        [Topic("fishing", 12, DAY, DAY + dt.timedelta(days=1)), Topic("weather", 3, None, None)]
    )
    assert rendered.splitlines() == [
        "fishing          12  2024-03-02 .. 2024-03-03",
        "weather           3  ? .. ?",
    ]


def test_sources_group_articles_by_outlet_with_the_unstated_last(renderer: Renderer) -> None:
    articles = [article(1, outlet=None, title="Unsigned"), article(2, outlet="Vordia Today")]
    shown = visible_text(renderer.sources(articles, "html"))
    assert shown.index("Vordia Today") < shown.index("Outlet not stated") < shown.index("Unsigned")


def test_article_name_keeps_addresses_and_drops_folders() -> None:
    assert article_name("/home/someone/corpus/a.txt") == "a.txt"
    assert article_name("C:\\corpus\\b.json") == "b.json"
    assert article_name("https://example.org/news/c") == "https://example.org/news/c"


# -- translation -------------------------------------------------------------------------------


def test_fixed_words_are_translated_and_facts_are_not(renderer: Renderer) -> None:
    words = {"Purpose": "Zweck", "Reactions": "Reaktionen", "Sources": "Quellen"}

    def translate(text: str) -> str:
        return words.get(text, text)

    assert translated_heading("Reactions: Vordia", translate) == "Reaktionen: Vordia"
    shown = visible_text(renderer.briefing(briefing(), "html", translate=translate))
    assert "Zweck" in shown and "Reaktionen: Vordia" in shown and "Quellen" in shown
    assert "Purpose" not in shown


# -- templates: overrides and the sandbox -------------------------------------------------------


def write_templates(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_a_users_html_template_is_used_and_still_autoescaped(tmp_path: Path) -> None:
    folder = write_templates(tmp_path / "mine", {"brief.html.j2": "<u>{{ briefing.headline }}</u>"})
    renderer = Renderer(folder)
    rendered = renderer.briefing(briefing(), "html")
    assert rendered == "<u>Ministers &lt;b&gt;meet&lt;/b&gt; &amp; talk</u>\n"
    assert renderer.problems == []
    # The other views still come from the shipped templates.
    assert "Nothing matches." in renderer.search("q", [], "html")


def test_a_template_reaching_into_python_is_refused_and_the_shipped_one_used(
    tmp_path: Path,
) -> None:
    folder = write_templates(
        tmp_path / "mine", {"brief.html.j2": "{{ briefing.__class__.__mro__ }}"}
    )
    renderer = Renderer(folder)
    assert [p.name for p in renderer.problems] == ["brief.html.j2"]
    assert "'__class__' is off limits" in renderer.problems[0].message
    rendered = renderer.briefing(briefing(), "html")
    assert "Briefing" not in rendered and "object" not in rendered
    assert rendered == Renderer().briefing(briefing(), "html")


def test_the_sandbox_stops_what_only_shows_at_render_time(tmp_path: Path) -> None:
    # The name is built while rendering: only the sandbox itself can refuse it.
    escape = "{{ briefing | attr('_' ~ '_class__') }}"
    folder = write_templates(tmp_path / "mine", {"brief.html.j2": escape})
    renderer = Renderer(folder)
    assert renderer.problems == []  # nothing to see before rendering
    rendered = renderer.briefing(briefing(), "html")
    assert rendered == Renderer().briefing(briefing(), "html")
    (problem,) = renderer.problems
    assert problem.name == "brief.html.j2" and "line 1" in problem.message
    assert "unsafe" in problem.message


def test_a_template_cannot_call_unsafe_methods(tmp_path: Path) -> None:
    # str.format can reach attributes; the sandbox replaces it with a safe one.
    sneaky = "{{ '{0.__class__}'.format(briefing) }}"
    folder = write_templates(tmp_path / "mine", {"brief.txt.j2": sneaky})
    renderer = Renderer(folder)
    rendered = renderer.briefing(briefing(), "text")
    assert "class" not in rendered
    assert rendered == Renderer().briefing(briefing(), "text")
    (problem,) = renderer.problems
    assert problem.name == "brief.txt.j2" and "unsafe" in problem.message


def test_a_sources_overview_says_what_it_leaves_out(renderer: Renderer) -> None:
    """Outlets listed with their latest articles say how many they have, and the outlets
    left out are counted; an outlet listed whole reads as in the full list."""
    overview = SourcesOverview(
        (
            OutletArticles("Kallavik Herald", 40, (article(9, title="Latest"),)),
            OutletArticles("Vordia Today", 1, (article(2, outlet="Vordia Today"),)),
            OutletArticles(None, 7, (article(5, outlet=None, title="Unsigned"),)),
        ),
        outlets_left_out=12,
        articles_left_out=30,
    )
    html = renderer.sources_overview(overview, "html")
    validate_telegram_html(html)
    lines = visible_text(html).splitlines()
    assert "Kallavik Herald · articles: 40, the latest:" in lines
    assert "Vordia Today" in lines  # listed whole: no count
    assert "Outlet not stated · articles: 7, the latest:" in lines
    assert lines[-1] == "More outlets: 12 · articles: 30"
    text = renderer.sources_overview(overview, "text")
    assert "More outlets: 12 (articles: 30)" in text
    whole = visible_text(renderer.sources([article(2, outlet="Vordia Today")], "html"))
    assert "More outlets" not in whole and "the latest" not in whole


def test_topics_beyond_those_shown_are_counted(renderer: Renderer) -> None:
    topics = [Topic(f"topic {n}", 10 - n, DAY, DAY) for n in range(5)]
    html = renderer.topics(topics, "html", shown=2)
    validate_telegram_html(html)
    shown = visible_text(html)
    assert "topic 1" in shown and "topic 2" not in shown
    assert shown.splitlines()[-1] == "More topics: 3"
    assert "More topics" not in visible_text(renderer.topics(topics, "html"))
    assert renderer.topics(topics, "text", shown=2).splitlines()[-1] == "More topics: 3"
