"""Cleaning: titles, paragraphs, datelines and boilerplate, on rules, seeds and real pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from briefings.models import CleanText, SourceDocument
from briefings.read.boilerplate import BOILERPLATE, load_boilerplate
from briefings.read.clean import boilerplate_kind, clean

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
CORPUS = ROOT.parent / "shared" / "corpora" / "erdogan-putin"


def seed(prefix: str) -> SourceDocument:
    path = next(SEEDS.glob(f"{prefix}_*.txt"))
    return SourceDocument(path=path.name, text=path.read_text("utf-8"))


def cleaned(text: str, **fields: str) -> CleanText:
    return clean(SourceDocument(path="a.txt", text=text, **fields))


# --- the boilerplate table -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("date 2019-09-12", "marker"),
        ("World / Politics", "section"),
        ("News › Middle East", "section"),
        ("Filed under: All News,more news,Opinion |", "filed"),
        ("Tags: Russia, Turkey", "filed"),
        ("Coronavirus banner", "banner"),
        ("Advertisement", "banner"),
        ("Subscribe to our newsletter", "banner"),
        ("Leaders shake hands in the capital, Nov. 20, 2013. (Photo: Jane Roe/Agency)", "caption"),
        ("Two leaders shake hands at their meeting, Monday, Sept. 17, 2018. (AP Photo)", "caption"),
        ("A minister speaks to reporters (AP Photo/John Doe)", "caption"),
        ("© Some Agency / Photographer Name", "caption"),
        ("  ©", "caption"),  # the sign alone, as a stripped line opens with it
        ("Leaders at the summit ©Jane Roe", "caption"),
        ("Leaders in the capital, May 4, 2019. Jane Roe/Agency", "caption"),
        ("(Some Agency contributed to this report)", "contributors"),
        ("Photo: Jane Roe", "caption"),
        ("This article originally appeared on Some Site, August 20, 2017, and reposted.", "footer"),
        ("This story was first published by Another Site.", "footer"),
        ("With reporting by dpa, AFP, Reuters, and TASS", "contributors"),
        ("The Associated Press contributed to this report.", "contributors"),
        ("(Reporting by Jane Roe; Editing by John Doe)", "credit"),
        ("Copyright 2019 Some Company", "credit"),
        ("By Jane Roe and John Doe", "byline"),
        ("Sep 14 2018", "date"),
        ("Published: 14 September 2018, 10:22 GMT", "date"),
        ("Thursday, September 12, 2019", "date"),
        ("First published on Mon 17 Sep 2018 12.01 BST", "date"),
        ("3 min read", "banner"),
        ("Read more: Leaders agree on a new deal", "banner"),
        ("Image caption, The leaders in the capital", "caption"),
        ("- Relations 'better than ever' -", "subhead"),
        ("dpa", "signoff"),
        ("dpa/sh/est", "signoff"),
        ("(Reuters)", "signoff"),
        # Text, not boilerplate.
        ("The minister said the talks went well.", None),
        ("Putin and Erdogan discuss Syria at Sochi meeting", None),
        ("Subscribers to the service complained that the price rose twice in a year.", None),
        ("According to TASS, the meeting will take place on Thursday.", None),
        ("Deconfliction mechanism", None),  # a subhead only where it stands between paragraphs
        ("Some Unknown Outlet", None),
        ("x" * 10_000, None),
        # Near misses of the rules that look ahead for what they need before the rest.
        ("The © sign stands for copyright, a lawyer said.", None),
        ("Leaders in the capital, May 4, 2019. Jane Roe said the talks went well.", None),
        ("The minister who contributed to the report declined to comment.", None),
    ],
)
def test_boilerplate_kind_names_the_kind_of_a_line(line: str, kind: str | None) -> None:
    assert boilerplate_kind(line) == kind


def test_boilerplate_table_substitutes_month_names() -> None:
    (rule,) = load_boilerplate("# a comment\n\ndate   ^{month} \\d+$\n")
    assert (rule.kind, bool(rule.regex.match("Sept. 17")), bool(rule.regex.match("Foo 17"))) == (
        "date",
        True,
        False,
    )


def test_boilerplate_table_is_loaded_from_the_data_file() -> None:
    kinds = {rule.kind for rule in BOILERPLATE}
    assert {"marker", "section", "caption", "footer", "dateline", "signoff"} <= kinds


# --- title, dateline and paragraphs ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fields", "title", "paragraphs"),
    [
        # A headline-like first line is the title.
        (
            "Leaders meet in the capital\n\nThe leaders met.",
            {},
            "Leaders meet in the capital",
            ("The leaders met.",),
        ),
        # The document's own title wins, and its repetition at the top is dropped.
        (
            "Leaders meet\n\nThe leaders met.",
            {"title": "Leaders meet"},
            "Leaders meet",
            ("The leaders met.",),
        ),
        ("The leaders met.", {"title": "From the HTML"}, "From the HTML", ("The leaders met.",)),
        # Section labels and date lines above the headline are not the title.
        (
            "World / Politics\n\nLeaders meet in the capital\n\nThe leaders met.",
            {},
            "Leaders meet in the capital",
            ("The leaders met.",),
        ),
        (
            "Sep 14 2018\n\nLeaders to meet on Monday\n\nThe leaders will meet.",
            {},
            "Leaders to meet on Monday",
            ("The leaders will meet.",),
        ),
        # The date marker's line continues with the headline.
        (
            " date 2019-09-12 Leaders meet in the capital\nThe leaders met.",
            {},
            "Leaders meet in the capital",
            ("The leaders met.",),
        ),
        # A first line that is a sentence has no headline: the title is derived, text kept.
        (
            "The leaders met in the capital on Thursday. They talked.\n\nMore.",
            {},
            "The leaders met in the capital on Thursday",
            ("The leaders met in the capital on Thursday. They talked.", "More."),
        ),
        # Derived titles stop at about 100 characters, on a word boundary.
        (
            "The president of the republic travelled to the capital of the neighbouring country "
            "for long talks on trade and security with his counterpart.",
            {},
            "The president of the republic travelled to the capital of the neighbouring country "
            "for long talks…",
            (
                "The president of the republic travelled to the capital of the "
                "neighbouring country for long talks on trade and security with his counterpart.",
            ),
        ),
        # Short lines are not headlines when they are a single word or end a sentence.
        (
            "Politics\n\nLeaders meet in the capital\n\nThe leaders met.",
            {},
            "Leaders meet in the capital",
            ("The leaders met.",),
        ),
        ("", {}, None, ()),
        ("\n\n  \n", {}, None, ()),
    ],
)
def test_title_and_paragraphs(
    text: str, fields: dict[str, str], title: str | None, paragraphs: tuple[str, ...]
) -> None:
    result = cleaned(text, **fields)
    assert (result.title, result.paragraphs) == (title, paragraphs)


@pytest.mark.parametrize(
    ("first_line", "dateline", "rest"),
    [
        (
            "MOSCOW, September 12. /TASS/: The president will meet.",
            "MOSCOW, September 12. /TASS/",
            "The president will meet.",
        ),
        ("Moscow (AFP) – The president will meet.", "Moscow (AFP)", "The president will meet."),
        (
            "WASHINGTON (Reuters) - The president will meet.",
            "WASHINGTON (Reuters)",
            "The president will meet.",
        ),
        (
            "BEIRUT, Lebanon (AP) — The president will meet.",
            "BEIRUT, Lebanon (AP)",
            "The president will meet.",
        ),
        ("SOCHI: The president will meet.", "SOCHI", "The president will meet."),
        (
            "NEW YORK, Sept. 5 — The president will meet.",
            "NEW YORK, Sept. 5",
            "The president will meet.",
        ),
        (
            "BEIJING, Sept. 12 (Xinhua) -- The president will meet.",
            "BEIJING, Sept. 12 (Xinhua)",
            "The president will meet.",
        ),
        (
            "Moscow, 12 September (Interfax) - The president will meet.",
            "Moscow, 12 September (Interfax)",
            "The president will meet.",
        ),
        # Not datelines.
        ("BREAKING: The president will meet.", None, "BREAKING: The president will meet."),
        (
            "The president (in office since 2012) will meet.",
            None,
            "The president (in office since 2012) will meet.",
        ),
    ],
)
def test_dateline_is_cut_from_the_first_paragraph_and_kept_as_written(
    first_line: str, dateline: str | None, rest: str
) -> None:
    result = cleaned(f"Leaders meet in the capital\n\n{first_line}\n\nMore text.")
    assert (result.dateline, result.paragraphs) == (dateline, (rest, "More text."))


def test_dateline_on_its_own_line_leaves_no_empty_paragraph() -> None:
    result = cleaned("Leaders meet in the capital\n\nMoscow (AFP) –\n\n\nThe leaders met.")
    assert (result.title, result.dateline, result.paragraphs) == (
        "Leaders meet in the capital",
        "Moscow (AFP)",
        ("The leaders met.",),
    )


@pytest.mark.parametrize(
    ("text", "paragraphs"),
    [
        # Blank lines separate paragraphs; hard-wrapped lines of one are joined.
        (
            "A long sentence that\nwraps here.\n\nSecond one.",
            ("A long sentence that wraps here.", "Second one."),
        ),
        # Without blank lines, each line is a paragraph.
        ("First line.\nSecond line.\nThird line.", ("First line.", "Second line.", "Third line.")),
        # Whitespace collapses; quotes and apostrophes stay as written.
        ("“We   agree,”\the said.  \n\nIt’s «fine».", ("“We agree,” he said.", "It’s «fine».")),
    ],
)
def test_paragraphs(text: str, paragraphs: tuple[str, ...]) -> None:
    assert cleaned(text).paragraphs == paragraphs


@pytest.mark.parametrize(
    ("text", "paragraphs"),
    [
        (
            "First paragraph.\n\n- Relations 'better than ever' -\n\nSecond paragraph.",
            ("First paragraph.", "Second paragraph."),
        ),
        (
            "First paragraph.\nDomestic context\nSecond paragraph.",
            ("First paragraph.", "Second paragraph."),
        ),
        # A short line at the end is text cut off, not a subhead.
        (
            "First paragraph.\nSecond paragraph.\nAnd then he added",
            ("First paragraph.", "Second paragraph.", "And then he added"),
        ),
        # A short line that is a sentence stays.
        (
            "First paragraph.\nHe agreed.\nSecond paragraph.",
            ("First paragraph.", "He agreed.", "Second paragraph."),
        ),
    ],
)
def test_subheads_are_dropped_from_the_text(text: str, paragraphs: tuple[str, ...]) -> None:
    assert cleaned(text).paragraphs == paragraphs


def test_boilerplate_lines_are_dropped_and_their_facts_kept() -> None:
    text = "\n".join(
        [
            "Leaders meet in the capital",
            "Filed under: News |",
            "The leaders shake hands, Monday, Sept. 17, 2018. (AP Photo)",
            "The leaders shake hands, Monday, Sept. 17, 2018. (AP Photo)",
            "",
            "The leaders met.",
            "Advertisement",
            "They talked.",
            "With reporting by dpa, AFP, Reuters, and Some Wire",
            "This article originally appeared on Some Site, August 20, 2017, and reposted.",
        ]
    )
    assert cleaned(text) == CleanText(
        title="Leaders meet in the capital",
        paragraphs=("The leaders met.", "They talked."),
        metadata_lines=(
            "Filed under: News |",
            "The leaders shake hands, Monday, Sept. 17, 2018. (AP Photo)",
            "With reporting by dpa, AFP, Reuters, and Some Wire",
            "This article originally appeared on Some Site, August 20, 2017, and reposted.",
        ),
        outlet="Some Site",
        contributors=("dpa", "AFP", "Reuters", "Some Wire"),
    )


@pytest.mark.parametrize(
    ("last_lines", "outlet", "paragraphs"),
    [
        ("dpa", "dpa", ("The leaders met.",)),
        ("dpa/sh/est", "dpa", ("The leaders met.",)),
        ("(Reuters)", "Reuters", ("The leaders met.",)),
        ("— Agence France-Presse", "AFP", ("The leaders met.",)),
        # An unknown name is not a sign-off: it stays text.
        ("Some Unknown Outlet", None, ("The leaders met.", "Some Unknown Outlet")),
    ],
)
def test_agency_sign_off_at_the_end_names_the_outlet(
    last_lines: str, outlet: str | None, paragraphs: tuple[str, ...]
) -> None:
    result = cleaned(f"The leaders met.\n{last_lines}")
    assert (result.outlet, result.paragraphs) == (outlet, paragraphs)


def test_agency_named_in_the_body_is_not_boilerplate() -> None:
    result = cleaned("Leaders meet in the capital\n\nThe talks will go on, TASS reported.\n\nTASS")
    assert (result.outlet, result.paragraphs) == ("TASS", ("The talks will go on, TASS reported.",))


def test_wire_story_shape() -> None:
    text = "\n".join(
        [
            "Leaders agree to keep talking",
            "By Jane Roe",
            "3 Min Read",
            "ANKARA (Reuters) - The two presidents agreed on Tuesday to keep talking.",
            "They will meet again next month.",
            "(Reporting by Jane Roe; Editing by John Doe)",
        ]
    )
    assert cleaned(text) == CleanText(
        title="Leaders agree to keep talking",
        paragraphs=(
            "The two presidents agreed on Tuesday to keep talking.",
            "They will meet again next month.",
        ),
        dateline="ANKARA (Reuters)",
        metadata_lines=("By Jane Roe", "(Reporting by Jane Roe; Editing by John Doe)"),
        outlet="Reuters",
    )


# --- hostile input ---------------------------------------------------------------------------


def test_one_megabyte_line_is_one_paragraph_with_a_short_title() -> None:
    text = "word " * 200_000
    result = cleaned(text)
    assert (len(result.paragraphs), len(result.paragraphs[0]), len(result.title or "")) == (
        1,
        999_999,
        100,
    )


def test_many_short_lines_do_not_hang() -> None:
    text = "\n".join(f"Line number {i} of a list" for i in range(50_000))
    assert len(cleaned(text).paragraphs) == 49_999  # the first line is the title


# --- seeds -----------------------------------------------------------------------------------


SEED_TITLES = {
    "000": "Israeli Prime Minister Benjamin Netanyahu is traveling to Russia's Black Sea resort "
    "city of Sochi…",
    "001": "Netanyahu in Russia to meet Putin ahead of Israeli elections",
    "002": "Israel's Netanyahu in Russia to meet Putin ahead of polls",
    "003": "Russian President Vladimir Putin will meet with Israeli Prime Minister Benjamin "
    "Netanyahu in Sochi…",
    "004": "Netanyahu to meet with Putin in Sochi Wednesday, talks to center on Syria and Iran",
}


@pytest.mark.parametrize(
    ("prefix", "dateline", "metadata_lines", "outlet", "contributors", "paragraph_count"),
    [
        (
            "000",
            None,
            ("date 2019-09-12", "With reporting by dpa, AFP, Reuters, and TASS"),
            None,
            ("dpa", "AFP", "Reuters", "TASS"),
            15,
        ),
        ("001", None, ("World / Politics",), None, (), 15),
        ("002", "Moscow (AFP)", (), "AFP", (), 18),
        ("003", "MOSCOW, September 12. /TASS/", (), "TASS", (), 12),
        (
            "004",
            None,
            (
                "Prime Minister Benjamin Netanyahu meets with President of Russia Vladimir Putin, "
                "Nov. 20, 2013. (Photo: Kobi Gideon/GPO)",
                "This article originally appeared on Behold Israel, August 20, 2017, and reposted "
                "with permission.",
            ),
            "Behold Israel",
            (),
            8,
        ),
    ],
)
def test_seed_articles(
    prefix: str,
    dateline: str | None,
    metadata_lines: tuple[str, ...],
    outlet: str | None,
    contributors: tuple[str, ...],
    paragraph_count: int,
) -> None:
    result = clean(seed(prefix))
    assert (
        result.title,
        result.dateline,
        result.metadata_lines,
        result.outlet,
        result.contributors,
        len(result.paragraphs),
    ) == (SEED_TITLES[prefix], dateline, metadata_lines, outlet, contributors, paragraph_count)


def test_seed_keeps_its_opening_sentence_and_drops_subheads() -> None:
    paragraphs = clean(seed("003")).paragraphs
    subheads = ("Deconfliction mechanism" in paragraphs, "Domestic context" in paragraphs)
    assert (paragraphs[0], *subheads) == (
        "Russian President Vladimir Putin will meet with Israeli Prime Minister Benjamin "
        "Netanyahu in Sochi on Thursday.",
        False,
        False,
    )


def test_seed_subhead_and_banner_leave_no_trace() -> None:
    texts = "\n".join(clean(seed("001")).paragraphs + clean(seed("002")).paragraphs)
    assert ("banner" in texts, "better than ever' -" in texts) == (False, False)


# --- development corpus ----------------------------------------------------------------------


@pytest.mark.skipif(not CORPUS.is_dir(), reason="development corpus not present")
@pytest.mark.parametrize(
    ("name", "kinds", "dateline", "paragraph_count"),
    [
        ("01.txt", ("caption",), None, 3),
        ("02.txt", ("filed", "caption"), None, 8),
        ("03.txt", ("date",), None, 4),
        ("04.txt", ("marker",), None, 3),
        ("05.txt", (), None, 1),
        ("06.txt", ("signoff",), None, 9),
        ("07.txt", ("marker",), "SOCHI", 2),
        ("08.txt", ("signoff",), None, 3),
    ],
)
def test_corpus_boilerplate(
    name: str, kinds: tuple[str, ...], dateline: str | None, paragraph_count: int
) -> None:
    path = CORPUS / name
    result = clean(SourceDocument(path=name, text=path.read_text("utf-8")))
    found = tuple(boilerplate_kind(line) for line in result.metadata_lines)
    assert (found, result.dateline, len(result.paragraphs)) == (kinds, dateline, paragraph_count)


@pytest.mark.parametrize(
    ("headline", "expected"),
    [
        ("Leaders meet in the capital DW 04/16/2024", "Leaders meet in the capital"),
        ("Leaders meet in the capital - Reuters 1/2/23", "Leaders meet in the capital"),
        ("Leaders meet in the capital 16.04.2024", "Leaders meet in the capital"),
        # A headline ending on an outlet's name, with no stamp, says something.
        ("Minister gives interview to BBC", "Minister gives interview to BBC"),
    ],
)
def test_a_sites_date_stamp_leaves_the_headline(headline: str, expected: str) -> None:
    assert cleaned(f"{headline}\n\nThe leaders met on Monday.\n").title == expected


def test_the_picture_agencies_rule_finds_what_word_boundaries_find() -> None:
    """The caption rule naming picture agencies opens each name on its first letter and
    looks back for a word character, where ``\\b`` before the names would: the same lines
    match, at the same places."""
    (rule,) = [p.regex for p in BOILERPLATE if "etty Images" in p.regex.pattern]
    plain = re.compile(r"\b(?:Getty Images|Shutterstock|EPA-EFE|AFP via Getty)\b")
    lines = [
        "Photo: Getty Images",
        "(AFP via Getty Images)",
        "EPA-EFE/Lina Varga",
        "Shutterstock",
        "xGetty Images",
        "_Shutterstock",
        "éEPA-EFE",
        "Getty Imagesx",
        "Shutterstocks and more",
        "A picture by 3Getty Images",
        "No agency here at all.",
    ]
    for line in lines:
        found, expected = rule.search(line), plain.search(line)
        assert (found and found.span()) == (expected and expected.span()), line
    assert sum(1 for line in lines if plain.search(line)) == 4
