"""Dates: parsing, weekday resolution, publication dates and event dates."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from briefings.extract.dates import (
    MONTHS,
    WEEKDAYS,
    find_event_dates,
    find_publication_date,
    parse_date_text,
    resolve_weekday,
)
from briefings.models import DateFinding, SourceDocument
from briefings.read.clean import clean

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
CORPUS = ROOT.parent / "shared" / "corpora" / "erdogan-putin"
D = dt.date


def published(text: str, **fields: str) -> DateFinding:
    doc = SourceDocument(path="a.txt", text=text, **fields)
    return find_publication_date(doc, clean(doc))


# --- tables ----------------------------------------------------------------------------------


def test_calendar_tables_name_every_month_and_weekday() -> None:
    assert (sorted(set(MONTHS.values())), sorted(set(WEEKDAYS.values()))) == (
        list(range(1, 13)),
        list(range(7)),
    )


# --- parse_date_text -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "default_year", "expected"),
    [
        ("September 12", 2019, D(2019, 9, 12)),
        ("September 12", None, None),
        ("Sept. 17, 2018", None, D(2018, 9, 17)),
        ("Sep 14 2018", None, D(2018, 9, 14)),
        ("12 September 2019", None, D(2019, 9, 12)),
        ("2019-09-12", None, D(2019, 9, 12)),
        ("Nov. 20, 2013", 2020, D(2013, 11, 20)),
        ("Monday, Sept. 17, 2018. (AP Photo)", None, D(2018, 9, 17)),
        ("in Sochi. 17 Sep 2018In Sochi started", None, D(2018, 9, 17)),
        ("the 3rd of March, 2020", None, D(2020, 3, 3)),
        ("SEPTEMBER 12, 2019", None, D(2019, 9, 12)),
        ("February 30, 2019", None, None),
        ("They may meet on 12 occasions in 2019.", None, None),
        ("in August 2019", None, None),  # no day
        ("", 2019, None),
    ],
)
def test_parse_date_text(text: str, default_year: int | None, expected: dt.date | None) -> None:
    assert parse_date_text(text, default_year) == expected


# --- resolve_weekday -------------------------------------------------------------------------

THURSDAY = D(2019, 9, 12)


@pytest.mark.parametrize(
    ("name", "direction", "expected"),
    [
        ("Thursday", "past", THURSDAY),
        ("Thursday", "future", THURSDAY),
        ("Thursday", "last", D(2019, 9, 5)),
        ("Thursday", "next", D(2019, 9, 19)),
        ("Wednesday", "past", D(2019, 9, 11)),
        ("Wednesday", "future", D(2019, 9, 18)),
        ("Tuesday", "next", D(2019, 9, 17)),
        ("Monday", "nearest", D(2019, 9, 9)),  # three days back
        ("Sunday", "nearest", D(2019, 9, 15)),  # three days ahead
        ("friday", "nearest", D(2019, 9, 13)),
        ("Sat.", "past", D(2019, 9, 7)),
    ],
)
def test_resolve_weekday(name: str, direction: str, expected: dt.date) -> None:
    assert resolve_weekday(name, THURSDAY, direction) == expected


@pytest.mark.parametrize(("name", "direction"), [("Someday", "past"), ("Monday", "sideways")])
def test_resolve_weekday_rejects_unknown_names(name: str, direction: str) -> None:
    with pytest.raises(ValueError):
        resolve_weekday(name, THURSDAY, direction)


# --- find_event_dates ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentences", "anchor", "expected"),
    [
        # Weekdays: tense says which side of the publication date.
        (["He visited the capital on Thursday."], THURSDAY, (THURSDAY,)),
        (["The ministry on Wednesday condemned the plan."], THURSDAY, (D(2019, 9, 11),)),
        (["He will travel there on Wednesday."], THURSDAY, (D(2019, 9, 18),)),
        (["Voters go to the polls at next Tuesday's election."], THURSDAY, (D(2019, 9, 17),)),
        (["The talks take place later on Wednesday."], D(2019, 1, 23), (D(2019, 1, 23),)),
        (["Talks were held last Monday."], THURSDAY, (D(2019, 9, 9),)),
        (
            ["The agency said on Friday that they will meet on Monday."],
            D(2018, 9, 14),
            (D(2018, 9, 14), D(2018, 9, 17)),
        ),
        (["Officials expected to sign the deal on Sunday."], THURSDAY, (D(2019, 9, 15),)),
        (
            ["“We are ready today,” he said.", "They met yesterday."],
            THURSDAY,
            (THURSDAY, D(2019, 9, 11)),
        ),
        # Explicit dates: the year comes from the tense around them when it is missing.
        (["On September 17, the aircraft was downed."], THURSDAY, (D(2018, 9, 17),)),
        (["He will face the September 17 election."], THURSDAY, (D(2019, 9, 17),)),
        (["The meeting is on September 12."], THURSDAY, (THURSDAY,)),
        (["The leaders met on Monday, Sept. 17, 2018."], D(2018, 9, 17), (D(2018, 9, 17),)),
        (
            ["Talks opened on June 25, 2019, and on June 25, 2019 again."],
            THURSDAY,
            (D(2019, 6, 25),),
        ),
        # Without a publication date only dates with a year can be placed.
        (["He visited on Thursday, ahead of the Sept. 17 election."], None, ()),
        (["Talks opened on June 25, 2019."], None, (D(2019, 6, 25),)),
        # Not dates.
        (
            ["Shops expect big sales on Black Friday.", "They may meet in August 2019."],
            THURSDAY,
            (),
        ),
        (["No dates here at all."], THURSDAY, ()),
        ([], THURSDAY, ()),
    ],
)
def test_find_event_dates(
    sentences: list[str], anchor: dt.date | None, expected: tuple[dt.date, ...]
) -> None:
    assert find_event_dates(sentences, anchor) == expected


@pytest.mark.parametrize(
    ("sentence", "days"),
    [
        ("The leaders met yeſterday in the capital.", -1),  # a long s: "s", case-blind
        ("They will meet tonıght.", 0),  # a dotless i: "i", case-blind
        ("They will meet thiſ week.", 0),
        ("They will meet NEXT WEEK.", 7),
    ],
)
def test_a_relative_date_spelt_with_odd_letters_is_read_not_failed_on(
    sentence: str, days: int
) -> None:
    # The words are matched case-blind, then looked up: lowered alone, "yeſterday" was
    # found in no table and failed the whole article's analysis.
    assert find_event_dates([sentence], THURSDAY) == (THURSDAY + dt.timedelta(days=days),)


# --- find_publication_date: one rule at a time -----------------------------------------------


@pytest.mark.parametrize(
    ("text", "fields", "expected"),
    [
        # An explicit field wins, in the formats readers pass on.
        ("Text on September 1, 2001.", {"published": "2019-09-12"}, DateFinding(THURSDAY, "field")),
        ("Text.", {"published": "2019-09-12T23:30:00-04:00"}, DateFinding(THURSDAY, "field")),
        ("Text.", {"published": "Thu, 12 Sep 2019 10:00:00 GMT"}, DateFinding(THURSDAY, "field")),
        ("Text.", {"published": "September 12, 2019"}, DateFinding(THURSDAY, "field")),
        (" date 2019-09-12 Leaders meet\nText.", {}, DateFinding(THURSDAY, "field")),
        # A dateline with a year, and one whose year the body gives.
        (
            "Leaders meet today\n\nLONDON, Sept. 12, 2019 (Reuters) - Text.",
            {},
            DateFinding(THURSDAY, "dateline"),
        ),
        (
            "MOSCOW, September 12. /TASS/: Talks were held on June 25, 2019 and in August 2019.",
            {},
            DateFinding(THURSDAY, "dateline"),
        ),
        # The year after the latest body date, when the dateline would otherwise precede it.
        (
            "MOSCOW, January 3. /TASS/: Talks were held on December 20, 2019.",
            {},
            DateFinding(D(2020, 1, 3), "dateline"),
        ),
        # A dateline without a year and a body without one: no date, its month and day kept
        # for the article's event to give them a year.
        (
            "MOSCOW, September 12. /TASS/: Talks will be held on Thursday.",
            {},
            DateFinding(None, "none", partial=(9, 12)),
        ),
        # Header date line, footer.
        ("Sep 14 2018\n\nLeaders to meet\n\nText.", {}, DateFinding(D(2018, 9, 14), "header")),
        (
            "Leaders meet today\n\nText.\n\nThis article originally appeared on Some Site, "
            "August 20, 2017, and reposted with permission.",
            {},
            DateFinding(D(2017, 8, 20), "footer"),
        ),
        # The footer dates the article; a caption dates only its picture.
        (
            "Leaders meet today\n\nThe leaders, Nov. 20, 2013. (Photo: Jane Roe)\n\nText.\n\n"
            "This article originally appeared on Some Site, August 20, 2017.",
            {},
            DateFinding(D(2017, 8, 20), "footer", picture_dates=(D(2013, 11, 20),)),
        ),
        # A dated caption never dates an article, at the top or further down: it is kept as
        # the date of the pictured scene.
        (
            "Leaders meet today\n\nThe leaders, Monday, Sept. 17, 2018. (AP Photo)\n\nText.",
            {},
            DateFinding(None, "none", picture_dates=(D(2018, 9, 17),)),
        ),
        (
            "Leaders meet today\n\nText.\n\nThe leaders, Monday, Sept. 17, 2018. (AP Photo)\n\n"
            "More.",
            {},
            DateFinding(None, "none", picture_dates=(D(2018, 9, 17),)),
        ),
        # Dates in the body are background, never the publication date.
        (
            "Leaders meet today\n\nOn September 17, 2018, an aircraft was downed.",
            {},
            DateFinding(None, "none"),
        ),
        ("", {}, DateFinding(None, "none")),
    ],
)
def test_find_publication_date(text: str, fields: dict[str, str], expected: DateFinding) -> None:
    assert published(text, **fields) == expected


def test_unreadable_field_falls_back_to_the_text() -> None:
    assert published("Sep 14 2018\n\nLeaders meet\n\nText.", published="soon") == DateFinding(
        D(2018, 9, 14), "header"
    )


# --- hostile input ---------------------------------------------------------------------------


def test_one_megabyte_line_without_dates() -> None:
    text = "word " * 200_000
    doc = SourceDocument(path="big.txt", text=text)
    assert (find_publication_date(doc, clean(doc)), find_event_dates([text], THURSDAY)) == (
        DateFinding(None, "none"),
        (),
    )


def test_one_megabyte_of_dates_is_deduplicated() -> None:
    text = "They will meet on Thursday, Sept. 19. " * 30_000
    assert find_event_dates([text], THURSDAY) == (THURSDAY, D(2019, 9, 19))


# --- seeds and corpus ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("000", DateFinding(D(2019, 9, 12), "field")),
        ("001", DateFinding(None, "none")),
        ("002", DateFinding(None, "none")),
        ("003", DateFinding(D(2019, 9, 12), "dateline")),
        ("004", DateFinding(D(2017, 8, 20), "footer")),  # not the caption's 2013 date
    ],
)
def test_seed_publication_dates(prefix: str, expected: DateFinding) -> None:
    path = next(SEEDS.glob(f"{prefix}_*.txt"))
    found = published(path.read_text("utf-8"))
    assert (found.published, found.source) == (expected.published, expected.source)


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("000", (D(2019, 9, 12), D(2019, 9, 17))),
        ("001", ()),  # undated: "Thursday" and "Sept. 17" cannot be placed
        (
            "003",
            (
                THURSDAY,
                D(2018, 9, 17),
                D(2019, 6, 25),
                D(2019, 9, 17),
                D(2019, 4, 9),
                D(2019, 5, 19),
                D(2019, 5, 30),
            ),
        ),
        # "this week" (the week of publication) now counts, in the sentence that says it.
        ("004", (D(2017, 8, 23), D(2017, 8, 20), D(2017, 8, 17))),
    ],
)
def test_seed_event_dates(prefix: str, expected: tuple[dt.date, ...]) -> None:
    path = next(SEEDS.glob(f"{prefix}_*.txt"))
    doc = SourceDocument(path=path.name, text=path.read_text("utf-8"))
    text = clean(doc)
    date = find_publication_date(doc, text)
    assert find_event_dates([text.title or "", *text.paragraphs], date.published) == expected


@pytest.mark.skipif(not CORPUS.is_dir(), reason="development corpus not present")
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # Their only dates are in photo captions: they date the pictured meeting, not the page.
        ("01.txt", DateFinding(None, "none")),
        ("02.txt", DateFinding(None, "none")),
        ("03.txt", DateFinding(D(2018, 9, 14), "header")),
        ("04.txt", DateFinding(D(2021, 9, 29), "field")),
        ("05.txt", DateFinding(None, "none")),
        ("06.txt", DateFinding(None, "none")),
        ("07.txt", DateFinding(D(2019, 10, 22), "field")),
        ("08.txt", DateFinding(None, "none")),
    ],
)
def test_corpus_publication_dates(name: str, expected: DateFinding) -> None:
    found = published((CORPUS / name).read_text("utf-8"))
    assert (found.published, found.source) == (expected.published, expected.source)


HEADLINE = "Leaders meet in Geneva\n\n"
BODY = "US President Joe Biden met Russian President Vladimir Putin in Geneva on Wednesday."


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Modi will travel to Washington next week for talks.", dt.date(2023, 6, 22)),
        ("The talks took place last week.", dt.date(2023, 6, 8)),
        ("The coming week will bring talks.", dt.date(2023, 6, 22)),
        ("The talks ran for a week.", None),
    ],
)
def test_relative_weeks_resolve_against_the_publication_date(
    sentence: str, expected: dt.date | None
) -> None:
    found = find_event_dates([sentence], dt.date(2023, 6, 15))
    assert (found[0] if found else None) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Header and footer lines that only date the page, in the shapes sites print them.
        (HEADLINE + "Published: 2021-06-16T10:00:00Z\n\n" + BODY, "2021-06-16"),
        (HEADLINE + "Updated 12:30 GMT, 16 June 2021\n\n" + BODY, "2021-06-16"),
        (HEADLINE + "By Jane Doe | June 16, 2021 | 5 min read\n\n" + BODY, "2021-06-16"),
        (HEADLINE + "16/06/2021\n\n" + BODY, "2021-06-16"),
        (HEADLINE + "06/16/2021\n\n" + BODY, "2021-06-16"),  # month first when day-first cannot be
        (HEADLINE + BODY + "\n\nPublished on 16.06.2021", "2021-06-16"),
        # A sentence that mentions a date is text, not the page's date.
        (HEADLINE + "The summit was held on June 16, 2021.\n\n" + BODY, None),
        (HEADLINE + "Geneva talks on June 16, 2021 ended without a deal.\n\n" + BODY, None),
    ],
)
def test_date_lines_of_common_site_layouts(text: str, expected: str | None) -> None:
    doc = SourceDocument(path="x.txt", text=text)
    found = find_publication_date(doc, clean(doc)).published
    assert (found.isoformat() if found else None) == expected


# Written as news writes dates, and what only looks like one: each branch of the event
# pattern, its look-alikes, both cases, and digits of other scripts.
EVENT_SENTENCES = [
    "The talks opened on Monday, March 4, 2019, in the capital.",
    "Ministers met LATER ON TUESDAY and again on 5 Sept. to sign.",
    "He arrived last Wednesday's evening; talks resume next Friday.",
    "Black Friday sales, Good Friday services and Super Tuesday votes are no dates.",
    "The summit on 2019-09-12 followed one on 12 of June 2018.",
    "Officials said today, TONIGHT or Yesterday, and tomorrow again.",
    "Earlier on Sunday the ministry spoke; coming Saturday it votes.",
    "A meeting on ١٢ March was set; Dec. 3 and DECEMBER 3rd too.",
    "Talks this Thursday, past Monday, on Thu. and on MON. were held.",
    "Nothing here: 42 people, 3.5 million dollars, 1990s, the ON switch.",
    "Monday. Tuesday, and the 31st of January, 2020; JAN 7 2021.",
]


def test_the_event_patterns_first_letter_checks_change_no_match() -> None:
    """The look-aheads at the start of the event pattern's branches only skip positions
    where no branch can start: without them, every sentence matches the same."""
    from briefings.extract import dates

    plain_source = dates._EVENT.pattern.replace(r"(?=[\dJFMASONDTW])", "").replace(
        r"(?=(?i:[nltcpeo])|[MTWFS])", ""
    )
    assert plain_source != dates._EVENT.pattern
    plain = re.compile(plain_source)
    texts = EVENT_SENTENCES + [s.lower() for s in EVENT_SENTENCES]
    texts += [s.upper() for s in EVENT_SENTENCES]
    found = 0
    for text in texts:
        expected = [(m.span(), m.groupdict()) for m in plain.finditer(text)]
        assert [(m.span(), m.groupdict()) for m in dates._EVENT.finditer(text)] == expected
        found += len(expected)
    assert found > 40


@pytest.mark.parametrize(
    "text", ["We meet NEXT WEEK.", "we meet next week.", "We meet Next\nWeek", "this WEEK"]
)
def test_relative_weeks_in_any_case(text: str) -> None:
    """A relative week in any case is read (only a text whose lowercase holds "week" is
    searched for one)."""
    anchor = D(2024, 3, 6)
    assert find_event_dates([text], anchor)
