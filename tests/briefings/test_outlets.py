"""Outlets: the known-outlets table and which evidence names an article's outlet."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefings.clean import clean
from briefings.models import SourceDocument
from briefings.outlets import (
    KNOWN_OUTLETS,
    Outlet,
    agency_in_dateline,
    canonical_outlet,
    find_outlet,
    load_outlets,
)

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
        ("01.txt", None),  # the photo credit names an agency: not evidence
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
