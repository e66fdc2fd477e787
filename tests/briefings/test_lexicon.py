"""The lexicon: the one reader of ``briefings/data``, its file shapes and the world table.

Parsing is tested on invented tables (Vordia, Kallavik…); the shipped files are checked for
what every reader relies on: a header, unique countries, one owner for each name.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from briefings import lexicon
from briefings.lexicon import (
    Country,
    countries,
    lower_words,
    parse_countries,
    parse_rows,
    parse_sections,
    respell,
    sections,
    words,
)
from tests.conftest import ROOT

DATA = ROOT / "briefings" / "data"


# -- file shapes -------------------------------------------------------------------------------


def test_parse_sections_reads_headers_and_entries_and_skips_comments() -> None:
    table = """# what this list is for
loose
[first]
  Alpha
# a comment between entries

beta gamma
[second]
[first]
delta
"""
    parsed = parse_sections(table)
    assert parsed[""] == ("loose",)  # entries before any header
    assert parsed["first"] == ("Alpha", "beta gamma", "delta")  # a repeated header adds on
    assert parsed["second"] == ()
    with pytest.raises(TypeError):
        parsed["third"] = ("x",)  # type: ignore[index]  # what the cache shares is read-only


def test_parse_rows_splits_at_tabs_and_strips_cells() -> None:
    table = "# a\tb\n\nVordia\t Vordian \tKallavik\n  \nMerenia\t\tSalt Bay\n"
    assert parse_rows(table) == (("Vordia", "Vordian", "Kallavik"), ("Merenia", "", "Salt Bay"))


def test_loads_are_read_once_and_shared() -> None:
    assert sections("stopwords.txt") is sections("stopwords.txt")
    assert countries() is countries()
    assert lexicon.toml("facets.toml") is lexicon.toml("facets.toml")


def test_words_and_lower_words_read_sections_as_written_and_lower_cased() -> None:
    months = words("stopwords.txt", "months")
    assert "january" in months
    everything = lower_words("stopwords.txt")
    assert lower_words("stopwords.txt", "months") <= everything
    assert all(w == w.lower() for w in everything)
    with pytest.raises(KeyError):
        words("stopwords.txt", "no such section")


def test_toml_file_reads_an_operators_table(tmp_path: Path) -> None:
    path = tmp_path / "topics.toml"
    path.write_text('min_hits = 3\n[topics]\nfishing = ["trawler", "quota"]\n', "utf-8")
    assert lexicon.toml_file(path) == {"min_hits": 3, "topics": {"fishing": ["trawler", "quota"]}}


# -- the shipped files -------------------------------------------------------------------------


def test_every_data_file_opens_with_a_header_saying_what_it_is_for() -> None:
    files = sorted(p for p in DATA.iterdir() if p.is_file())
    assert files
    for path in files:
        first = path.read_text("utf-8").splitlines()[0]
        assert first.startswith("# ") and len(first) > 20, path.name


def test_only_the_lexicon_reads_the_data_folder() -> None:
    readers = re.compile(r"importlib\.resources|from importlib import resources|tomllib|\"data/")
    offenders = [
        path.name
        for path in (ROOT / "briefings").rglob("*.py")
        if path.name != "lexicon.py" and readers.search(path.read_text("utf-8"))
    ]
    assert offenders == []


# -- the world table ---------------------------------------------------------------------------


def test_parse_countries_reads_every_column() -> None:
    (vordia, merenia) = parse_countries(
        [
            ("Vordia", "Vordian | Vords", "Kallavik | Kalavik", "VRD | V.R.D.", "Stone Palace"),
            ("Merenia",),
        ]
    )
    assert vordia == Country(
        "Vordia",
        "Vordian",
        "Kallavik",
        short_names=("VRD", "V.R.D."),
        seats=("Stone Palace",),
        other_demonyms=("Vords",),
        other_capitals=("Kalavik",),
    )
    assert vordia.aliases == ("VRD", "V.R.D.", "Stone Palace")
    assert vordia.nationality_words == ("Vordian", "Vords")
    assert vordia.capitals == ("Kallavik", "Kalavik")
    assert merenia == Country("Merenia")  # a country with nothing more known
    assert merenia.nationality_words == () and merenia.capitals == ()


def test_the_world_table_keeps_each_kind_of_word_in_its_column() -> None:
    by_name = {c.name: c for c in countries()}
    ukraine, states = by_name["Ukraine"], by_name["United States"]
    assert ukraine.capital == "Kyiv" and "Kiev" in ukraine.other_capitals
    assert {"US", "U.S."} <= set(states.short_names)
    assert "White House" in states.seats and "White House" not in states.short_names
    assert by_name["United Kingdom"].demonym == "British"
    assert "Britons" in by_name["United Kingdom"].other_demonyms


def test_every_country_is_listed_once_and_every_name_has_one_owner() -> None:
    names = [c.name for c in countries()]
    assert [n for n, k in Counter(names).items() if k > 1] == []
    owners: dict[str, set[str]] = {}
    for country in countries():
        for word in (country.name, *country.aliases, *country.capitals):
            owners.setdefault(word, set()).add(country.name)
    # A city named after its country ("Djibouti", "Luxembourg") is the same owner twice.
    assert {w: o for w, o in owners.items() if len(o) > 1} == {}


# -- spellings ---------------------------------------------------------------------------------


def test_respell_writes_variants_the_one_way_words_are_compared() -> None:
    assert respell("the defence ministry") == "the defense ministry"
    assert respell("coastal defences") == "coastal defenses"  # inside words too
    assert respell("a defense pact") == "a defense pact"


def test_case_key_reads_the_letters_case_blind_matching_gives() -> None:
    assert lexicon.case_key("YEſTERDAY") == "yesterday"
    assert lexicon.case_key("İSTANBUL") == "istanbul"
    assert lexicon.case_key("Tonıght") == "tonight"
    for odd in lexicon.CASE_BLIND_ODD:  # each matches its letter case-blind
        assert re.fullmatch(lexicon.case_key(odd), odd, re.IGNORECASE)


def test_a_word_pattern_finds_what_its_words_match_case_blind() -> None:
    """WordPattern matches the lowered text when that finds the same spans: every other
    character, before, inside and after the words, gives what case-blind matching gives."""
    vocabulary = ["met", "summit", "talks", "state visit", "sit-in"]
    source = rf"(?<![\w-])(?:{lexicon.trie_pattern(vocabulary)})(?![\w-])"
    found = lexicon.WordPattern(source, vocabulary)
    blind = re.compile(source, re.IGNORECASE)
    odd_letters = [chr(c) for c in range(0x80, 0x3000) if chr(c).isalpha()][::7]
    texts = [
        "The SUMMIT met; Talks on a State Visit ended in a sit-in, not a sit-inn.",
        "Meta metro summits: Met-Gala, re-met, met_x, «talks», TALKS.",
        "yeſterday's ſummit, the İstanbul TALKS and a ſtate viſit met",  # matched case-blind
        "",
        *(f"{c}met {c}Met m{c}t talks{c} {c.upper()}SUMMIT" for c in odd_letters),
    ]
    for text in texts:
        spans = [m.span() for m in blind.finditer(text)]
        assert [m.span() for m in found.finditer(text)] == spans, text
        first = found.search(text)
        assert (first.span() if first else None) == (spans[0] if spans else None)
        for at in range(len(text)):
            a, b = found.match(text, at), blind.match(text, at)
            assert (a.span() if a else None) == (b.span() if b else None), (text, at)
    assert found.fullmatch("Summit") and not found.fullmatch("summits")
    # A word list with other letters than ASCII lowercase is matched case-blind alone.
    accented = lexicon.WordPattern(r"(?<!\w)(?:été)(?!\w)", ["été"])
    assert accented.search("ÉTÉ") is not None


def test_word_patterns_read_texts_in_turn_as_each_alone() -> None:
    """The last text read is kept lowered for the next list read of it: texts read in any
    order, by several lists, a text matched case-blind between them, find what each finds
    alone."""
    summit = lexicon.WordPattern(r"(?<!\w)(?:summit)(?!\w)", ["summit"])
    talks = lexicon.WordPattern(r"(?<!\w)(?:talks)(?!\w)", ["talks"])
    plain = "The SUMMIT ended; Talks go on."
    odd = "The ſummit ended; TALKS go on in İstanbul."
    expected = {
        (id(summit), plain): [(4, 10)],
        (id(talks), plain): [(18, 23)],
        (id(summit), odd): [(4, 10)],
        (id(talks), odd): [(18, 23)],
    }
    for text in (plain, odd, plain, "".join(list(plain)), odd, odd, plain):
        for pattern in (summit, talks, summit):
            spans = [m.span() for m in pattern.finditer(text)]
            assert spans == expected[(id(pattern), text)], text
