"""Entities: word classes, capitalised runs, and the places and organisations they name.

Names here are invented (Vordia, Kallavik, Orvald…); a few real countries and titles come
from the shipped world tables, which is what the module reads them from.
"""

from __future__ import annotations

import re

import pytest

from briefings.extract.entities import (
    ABBREVIATION,
    ACRONYM,
    COUNTRY,
    HONORIFIC,
    MODIFIER,
    NAME_PARTICLES,
    NATION,
    ORG,
    STOP,
    TITLE,
    Found,
    Token,
    class_of,
    classify_run,
    fold,
    lexicon,
    runs,
)
from briefings.extract.people import find_entities
from briefings.lexicon import trie_pattern
from briefings.models import Entities, Sentence


def run_texts(text: str) -> list[str]:
    """Each run as the text it spans (particles and spaces between its tokens included)."""
    return [text[run[0].start : run[-1].end] for run in runs(text)]


def found_in(text: str) -> dict[str, tuple[str, str, bool]]:
    """The places and organisations every run of ``text`` names."""
    found = Found()
    for run in runs(text):
        classify_run(text, run, found)
    return found.entries


def entities_of(*sentences: str) -> Entities:
    return find_entities([Sentence(i, i, s) for i, s in enumerate(sentences)], title="")


# -- trie_pattern ------------------------------------------------------------------------------


def test_trie_pattern_matches_every_word_and_the_longest_first() -> None:
    words = ["sanction", "sanctions", "sanctioned", "sand"]
    pattern = re.compile(trie_pattern(words))
    for word in words:
        assert pattern.fullmatch(word)
    # At one position the longest word wins, not its prefix.
    assert pattern.findall("sanctioned firms") == ["sanctioned"]
    assert pattern.findall("sanctions on") == ["sanctions"]
    assert not pattern.fullmatch("sanc")


def test_trie_pattern_with_word_boundaries_never_matches_inside_a_word() -> None:
    # How the modules use it: a trie between word boundaries.
    pattern = re.compile(rf"\b(?:{trie_pattern(['sand', 'sanction'])})\b")
    assert pattern.findall("sand and a sanction") == ["sand", "sanction"]
    assert pattern.findall("thousand insanctioned sandy") == []


def test_trie_pattern_escapes_regex_characters_and_matches_nothing_when_empty() -> None:
    dotted = re.compile(trie_pattern(["u.s.", "a+b"]))
    assert dotted.fullmatch("u.s.") and dotted.fullmatch("a+b")
    assert not dotted.fullmatch("uxsx") and not dotted.fullmatch("aab")
    nothing = re.compile(trie_pattern([]))
    assert nothing.search("anything at all") is None
    assert re.compile(trie_pattern(["", ""])).search("x") is None


# -- folding and word classes -----------------------------------------------------------------


def test_fold_lowers_and_strips_accents() -> None:
    assert fold("Émile Zoë Ångström") == fold("emile zoe angstrom") == "emile zoe angstrom"
    assert fold("KALLAVIK") == "kallavik"


def test_fold_makes_the_docstrings_example_equal() -> None:
    assert fold("Øyvind") == fold("Oyvind")


def test_acronyms_match_as_written_only() -> None:
    word_class = lexicon().word_class
    assert class_of("UN", word_class) & ORG
    assert not class_of("Un", word_class) & ORG  # a given name, not the organisation
    assert class_of("US", word_class) & COUNTRY
    assert not class_of("us", word_class) & COUNTRY


def test_titles_abbreviations_and_plural_titles_have_their_class() -> None:
    word_class = lexicon().word_class
    assert class_of("President", word_class) & TITLE
    assert class_of("Presidents", word_class) & TITLE  # "Presidents X and Y"
    assert class_of("Gen.", word_class) & (TITLE | ABBREVIATION) == TITLE | ABBREVIATION
    mr = class_of("Mr.", word_class)
    assert mr & HONORIFIC and mr & ABBREVIATION and not mr & TITLE
    assert class_of("Foreign", word_class) & MODIFIER  # "Foreign Minister"
    assert class_of("The", word_class) & STOP
    assert class_of("Kallavik", word_class) == 0  # no table claims an invented name


def test_nationality_maps_countries_and_demonyms_to_the_adjective() -> None:
    nationality = lexicon().nationality
    assert nationality["japan"] == "Japanese"
    assert nationality["japanese"] == "Japanese"
    assert nationality["germans"] == "German"


# -- runs ----------------------------------------------------------------------------------------


def test_a_run_gives_each_token_its_class() -> None:
    (run,) = runs("Japanese Foreign Minister Kenji Tanabori")
    classes = {t.text: t.cls for t in run}
    assert classes["Japanese"] & NATION
    assert classes["Foreign"] & MODIFIER
    assert classes["Minister"] & TITLE
    assert classes["Kenji"] == 0 and classes["Tanabori"] == 0  # the name: no table claims it


def test_runs_are_split_by_lower_case_words_and_punctuation() -> None:
    text = "Orvald Brede met Tomas Ekdal, and Lina Varga arrived."
    assert run_texts(text) == ["Orvald Brede", "Tomas Ekdal", "Lina Varga"]


def test_name_particles_join_a_run_and_the_name_is_kept_whole() -> None:
    text = "Anna von der Brellen met Omar bin Rashid."
    assert run_texts(text) == ["Anna von der Brellen", "Omar bin Rashid"]
    assert {"von", "der", "bin"} <= NAME_PARTICLES


def test_a_regnal_number_stays_in_the_name_and_is_no_acronym() -> None:
    (run,) = runs("King Orvald IV")
    numeral = run[-1]
    assert numeral.text == "IV"
    assert numeral.cls == 0
    assert runs("Queen Sigrid XIV")[0][-1].cls == 0
    # A real capitalised abbreviation is an acronym.
    assert runs("the KRV said")[0][0].cls & ACRONYM


def test_a_possessive_ends_its_run_and_is_recorded() -> None:
    text = "Kallavik's mayor Tomas Ekdal"
    first, second = runs(text)
    assert [t.text for t in first] == ["Kallavik"]
    assert first[0].possessive
    assert [t.text for t in second] == ["Tomas", "Ekdal"]
    assert all(isinstance(t, Token) for t in first + second)


def test_a_known_multi_word_name_gives_its_tokens_the_names_class() -> None:
    (run,) = runs("Saudi Arabia")
    assert all(t.cls & COUNTRY for t in run)


# -- places and organisations ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name", "kind"),
    [
        ("The talks were held in Paris.", "Paris", "place"),  # a capital of the world table
        ("Officials of the UN said so.", "UN", "organisation"),  # a known institution
        ("A ship sailed the Kessel Sea.", "Kessel Sea", "place"),  # a geographic cue word
        ("They climbed Mount Tellar.", "Mount Tellar", "place"),
        ("The Vordia Foreign Ministry said no.", "Vordia Foreign Ministry", "organisation"),
        ("Leaders of the Zentra party met.", "Zentra", "organisation"),  # a cue after the name
        ("They flew to the resort of Kallavik.", "Kallavik", "place"),  # a cue before it
    ],
)
def test_runs_name_places_and_organisations_from_tables_and_cues(
    text: str, name: str, kind: str
) -> None:
    entries = found_in(text)
    assert fold(name) in entries, entries
    assert entries[fold(name)][:2] == (kind, name)


def test_a_plain_name_with_no_cue_is_neither_place_nor_organisation() -> None:
    assert found_in("Tomas Ekdal smiled.") == {}


def test_a_place_found_only_by_a_cue_a_person_could_stand_in_is_weak() -> None:
    # "in X" could be "in Ekdal's view": a weak place until X turns out not to be a person.
    assert found_in("The talks were held in Orlaska.")["orlaska"] == ("place", "Orlaska", True)
    assert found_in("The talks were held in Paris.")["paris"] == ("place", "Paris", False)


def test_found_prefers_strong_findings_and_mixed_case_spelling() -> None:
    found = Found()
    found.add("place", "Kallavik", weak=True)
    found.add("place", "Kallavik")
    assert found.entries["kallavik"] == ("place", "Kallavik", False)
    found.add("organisation", "Kallavik", weak=True)  # a weak finding never overrides
    assert found.entries["kallavik"][0] == "place"
    dateline = Found()
    dateline.add("place", "ORLASKA")
    dateline.add("place", "Orlaska")  # "ORLASKA, May 3": the article's spelling is better
    assert dateline.entries["orlaska"] == ("place", "Orlaska", False)


# -- people, through the extractor that reads the runs -------------------------------------------


def test_a_person_with_a_title_is_found_with_the_role() -> None:
    found = entities_of("Japanese Foreign Minister Kenji Tanabori arrived on Monday.")
    (person,) = found.people
    assert person.name == "Kenji Tanabori"
    assert person.roles == ("Japanese Foreign Minister",)
    assert person.nationality == "Japanese"


def test_a_regnal_name_and_a_particle_name_are_people_kept_whole() -> None:
    found = entities_of(
        "King Orvald IV received the envoys.",
        "Trade commissioner Anna von der Brellen said the deal was close.",
    )
    names = {p.name: p.roles for p in found.people}
    assert names.get("Orvald IV") == ("King",)
    assert "Anna von der Brellen" in names


def test_a_later_surname_links_to_the_person() -> None:
    found = entities_of(
        "Trade commissioner Anna von der Brellen arrived.",
        "Von der Brellen said the talks were useful.",
    )
    (person,) = [p for p in found.people if p.name == "Anna von der Brellen"]
    assert person.sentences == (0, 1)


def test_the_token_patterns_first_letter_check_changes_no_token() -> None:
    """The look-ahead that opens the token pattern only skips positions where no token can
    start: without it, texts of every kind of token split the same."""
    from briefings.extract.entities import lexicon

    token = lexicon().token
    assert token.pattern.startswith("(?=[")
    plain = re.compile(token.pattern[token.pattern.index("]", 4) + 2 :])
    texts = [
        "Gen. Lina Varga met Dr. Ole Brun and U.S. envoys in São Paulo's old town.",
        "al-Masri, el-Sisi and bin Salman spoke; Lt. Col. Ruiz-Díaz of the U.N. did not.",
        "ÉLODIE DUPONT and Ørsted's chief met Ψηφίσματα and Москва officials.",
        "he said in lowercase only, 3 p.m., e-mail, a.k.a. nothing — then O'Neill's aide left.",
    ]
    for text in texts:
        assert [m.span() for m in token.finditer(text)] == [m.span() for m in plain.finditer(text)]
    assert sum(1 for text in texts for _ in token.finditer(text)) > 15
