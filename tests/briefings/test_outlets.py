"""Outlets: the known-outlets table and which evidence names an article's outlet."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefings.extract.outlets import (
    KNOWN_OUTLETS,
    Outlet,
    agency_in_dateline,
    canonical_outlet,
    find_outlet,
    find_outlet_evidence,
    load_credit_forms,
    load_outlets,
)
from briefings.models import SourceDocument
from briefings.read.clean import clean

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
CORPUS = ROOT.parent / "shared" / "corpora" / "erdogan-putin"


def outlet_of(text: str, **fields: str) -> str | None:
    doc = SourceDocument(path="a.txt", text=text, **fields)
    return find_outlet(doc, clean(doc))


# --- the table -------------------------------------------------------------------------------


def test_known_outlets_table_is_loaded_and_spellings_are_unambiguous() -> None:
    spellings = [s.casefold() for o in KNOWN_OUTLETS for s in (o.name, *o.aliases)]
    assert (len(KNOWN_OUTLETS) >= 40, len(spellings) == len(set(spellings))) == (True, True)


def test_load_outlets_reads_names_aliases_and_comments() -> None:
    table = "# agencies\nAFP | Agence France-Presse | France-Presse\n\nInterfax  # Russian\n"
    assert load_outlets(table) == (
        Outlet("AFP", ("Agence France-Presse", "France-Presse")),
        Outlet("Interfax"),
    )


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("Agence France-Presse", "AFP"),
        ("afp", "AFP"),
        ("The Associated Press", "AP"),
        ("DPA", "dpa"),
        ("ITAR-TASS", "TASS"),
        ("RIA  Novosti", "RIA Novosti"),
        ("Anadolu Agency", "Anadolu"),
        ("Behold Israel", None),
        ("", None),
    ],
)
def test_canonical_outlet(written: str, canonical: str | None) -> None:
    assert canonical_outlet(written) == canonical


@pytest.mark.parametrize(
    ("dateline", "agency"),
    [
        ("MOSCOW, September 12. /TASS/", "TASS"),
        ("Moscow (AFP)", "AFP"),
        ("WASHINGTON (Reuters)", "Reuters"),
        ("KYIV (Some Wire)", "Some Wire"),
        ("SOCHI", None),
    ],
)
def test_agency_in_dateline(dateline: str, agency: str | None) -> None:
    assert agency_in_dateline(dateline) == agency


# --- evidence, strongest first ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fields", "outlet"),
    [
        # The document's own field wins, canonical when known.
        ("MOSCOW (AFP) - Text.", {"outlet": "Reuters News"}, "Reuters"),
        ("Text.", {"outlet": " Some Site "}, "Some Site"),
        # Then the dateline's agency.
        ("Leaders meet today\n\nMOSCOW, May 3. /TASS/: Text.\n\ndpa", {}, "TASS"),
        # Then a footer, known outlet or not.
        (
            "Leaders meet today\n\nText.\n\nThis article originally appeared on Some Site, "
            "August 20, 2017, and reposted with permission.\n\ndpa",
            {},
            "Some Site",
        ),
        # Then a bare agency sign-off.
        ("Leaders meet today\nText.\ndpa/sh/est", {}, "dpa"),
        # Contributors, photo credits and agencies named in the body are not the outlet.
        ("Leaders meet today\n\nText.\n\nWith reporting by dpa, AFP, Reuters, and TASS", {}, None),
        ("Leaders meet today\n\nThe leaders shake hands. (AP Photo)\n\nText.", {}, None),
        ("Leaders meet today\n\n© RIA Novosti / Photographer\n\nText.", {}, None),
        ("Leaders meet today\n\nThe talks went well, Anadolu news agency said.", {}, None),
        ("", {}, None),
    ],
)
def test_find_outlet(text: str, fields: dict[str, str], outlet: str | None) -> None:
    assert outlet_of(text, **fields) == outlet


# --- seeds and corpus ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "outlet"),
    [("000", None), ("001", None), ("002", "AFP"), ("003", "TASS"), ("004", "Behold Israel")],
)
def test_seed_outlets(prefix: str, outlet: str | None) -> None:
    path = next(SEEDS.glob(f"{prefix}_*.txt"))
    assert outlet_of(path.read_text("utf-8")) == outlet


@pytest.mark.skipif(not CORPUS.is_dir(), reason="development corpus not present")
@pytest.mark.parametrize(
    ("name", "outlet"),
    [
        ("01.txt", "RIA Novosti"),  # "…, the correspondent of RIA Novosti" (not the photo)
        ("02.txt", None),  # "(AP Photo)" likewise
        ("03.txt", None),  # the agency is only quoted
        ("04.txt", None),
        ("05.txt", None),
        ("06.txt", "dpa"),
        ("07.txt", None),
        ("08.txt", "dpa"),
    ],
)
def test_corpus_outlets(name: str, outlet: str | None) -> None:
    assert outlet_of((CORPUS / name).read_text("utf-8")) == outlet


# --- credit forms, as an editor reads them ---------------------------------------------------


def evidence_of(text: str, **fields: str) -> tuple[str | None, str]:
    doc = SourceDocument(path="a.txt", text=text, **fields)
    finding = find_outlet_evidence(doc, clean(doc))
    return finding.name, finding.source


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Datelines, on whichever of the first lines they stand, known outlet or not.
        (
            "Leaders meet\nStandfirst of the story\nTAIPEI (Reuters) - Text.",
            ("Reuters", "dateline"),
        ),
        ("Headline here now\nBEIJING, Nov 4 (Xinhua) -- Text.", ("Xinhua", "dateline")),
        ("Headline here now\nJuly 19 (UPI) -- Text.", ("UPI", "dateline")),
        ("Headline here now\nKYIV, May 3. /Some Wire/. Text.", ("Some Wire", "dateline")),
        ("Headline here now\nCAIRO, Sept 11 (ABC-Wire) – Text.", ("ABC-Wire", "dateline")),
        # A source line, a footer, the site speaking of itself, its desk.
        ("Headline here now\nText.\nSource: BBC", ("BBC", "source line")),
        ("Headline here now\nText.\n[Source: Reuters]", ("Reuters", "source line")),
        (
            "Headline here now\nText.\nRead the full original article at WSJ.com: World",
            ("The Wall Street Journal", "footer"),
        ),
        (
            "Headline here now\nFollow Daily Example on Facebook and Twitter\nText.",
            ("Daily Example", "masthead"),
        ),
        ("Support The Example Times!\nHeadline here now\nText.", ("The Example Times", "masthead")),
        ("Watch CBS News\nHeadline here now\nText.", ("CBS News", "masthead")),
        ("Headline of the story here – Example24\nText.", ("Example24", "masthead")),
        ("Headline of the story here | Example.org\nText.", ("Example.org", "masthead")),
        ("Headline here now\nBy Example Editors and Wire Services\nText.", ("Example", "byline")),
        # A known agency's name alone under the headline.
        ("Headline here now\nThe Associated Press\nHANOI – Text.", ("AP", "agency line")),
        ("Talks begin, the correspondent of Example Agency.", ("Example Agency", "correspondent")),
        (
            "Headline here now\nDW correspondent Anna Berg says the talks went well.",
            ("Deutsche Welle", "correspondent"),
        ),
        # Pictures' credits are guesses: the outlet is marked as inferred.
        ("Headline here now\nThe leaders meet. (AP Photo/Some One)\nText.", ("AP", "photo credit")),
        ("Headline here now\nNTD Photo\nText.", ("NTD", "photo credit")),
        ("Headline here now\nHouses (photo credit: REUTERS)\nText.", ("Reuters", "photo credit")),
        ("Headline here now\nCopyright REUTERS/Some One\nText.", ("Reuters", "photo credit")),
        ("Headline here now\nThe talks. (Some One/AP)\nText.", ("AP", "photo credit")),
        # And the article's address, when nothing else says.
        ("Headline here now\nText.", ("example.org", "web address")),
    ],
)
def test_credit_forms(text: str, expected: tuple[str, str]) -> None:
    fields = {"url": "https://www.example.org/a"} if expected[1] == "web address" else {}
    assert evidence_of(text, **fields) == expected


def test_an_address_that_is_no_url_names_no_outlet_and_fails_nothing() -> None:
    # urlsplit raises on it ("Invalid IPv6 URL"), and the article failed its analysis.
    assert evidence_of("Headline here now\nText.", url="https://[example.org/a") == (None, "none")


@pytest.mark.parametrize(
    "text",
    [
        # Agencies quoted inside the story are not the outlet.
        "Headline here now\nThe leaders met, according to TASS. Yonhap reported it.",
        "Headline here now\nThe minister told VOA the talks went well, the AP reports.",
        # Nor a headline quoting who said it ("— Kremlin"), whom the story then names.
        "Talks made no progress, officials say — Kremlin\nThe Kremlin said so on Monday.",
        # Nor a distributed picture's credit, nor a person's name in a photo credit.
        "Headline here now\nThe leaders. Photo: Some One/AFP via Getty Images\nText.",
        "Headline here now\nThe leaders. Photo: Ricardo Example\nText.",
        # Nor a dated aside or an abbreviation in parentheses.
        "JERUSALEM: The prime minister said on Tuesday (Sep 10) - then left.",
        "Headline here now\nThe Ministry of Foreign Affairs (MOFA) has thanked him.",
    ],
)
def test_what_is_not_an_outlet(text: str) -> None:
    assert evidence_of(text) == (None, "none")


def test_stated_outlet_never_a_guess() -> None:
    assert outlet_of("Headline here now\nThe leaders. (AP Photo)\nText.") is None


def test_credit_forms_table_reads_every_row() -> None:
    forms = load_credit_forms(
        "# c\ndateline  any  ^(?P<outlet>{name}) -\nphoto credit agency x(?P<outlet>y)"
    )
    assert [(f.kind, f.needs) for f in forms] == [("dateline", "any"), ("photo credit", "agency")]


@pytest.mark.parametrize(
    ("pattern", "cue"),
    [
        (r"\b(?:the|a) correspondent of (?P<outlet>[A-Z]\w+)", " correspondent of "),
        (r"^By (?P<outlet>\w+) Staff\b", " Staff"),  # the longest run
        (r"(?i:credit)\s*:\s*(?P<outlet>\w+)$", ":"),
        (r"(?i)^read more at (?P<outlet>\w+)", ""),
        (r"(?P<outlet>\w+)", ""),
    ],
)
def test_a_credit_forms_cue_is_text_every_match_holds(pattern: str, cue: str) -> None:
    from briefings.extract.outlets import _cue

    assert _cue(pattern) == cue


def test_every_credit_form_matches_only_where_its_cue_is() -> None:
    """A text without a form's cue is not searched for it: the cue is in all its matches."""
    from briefings.extract.outlets import CREDIT_FORMS

    samples = [
        "KYIV (Reuters) - Talks went on.",
        "LONDON / AFP / - It rained.",
        "Source: Example News",
        "Follow Example News on Telegram",
        "Support Example Times!",
        "Read the original article at Example.com",
        "Watch Example News",
        "By Example News Staff",
        "said the correspondent of Example Radio.",
        "the Example Radio correspondent Jan Novak said",
        "(Example Photo by someone)",
        "Example Photo",
        "(photo credit: AP/Someone)",
        "(Photo: Example News)",
        "© Example News / 2024",
        "(Jan Novak / AFP)",
        "Photo: Jan Novak/ Example News",
    ]
    unmatched = []
    for form in CREDIT_FORMS:
        matches = [m for sample in samples for m in form.regex.finditer(sample)]
        if not matches:
            unmatched.append(form.regex.pattern)
        for match in matches:
            assert form.cue in match.group(0), (form.regex.pattern, match.group(0))
    assert not unmatched  # a sample for every form
