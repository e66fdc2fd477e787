"""The facet rules: which sentences answer which facet, and who a country word stands for.

The rules are the shipped ``data/facets.toml`` and ``data/world.tsv``; sentences are
invented around them.
"""

from __future__ import annotations

import re

import pytest

from briefings.brief.facets import FacetRules, PartyResolver, load_rules
from briefings.lexicon import Country, case_key, countries


@pytest.fixture(scope="module")
def rules() -> FacetRules:
    return load_rules()


def test_load_rules_gives_every_facet_a_heading_and_a_limit(rules: FacetRules) -> None:
    for facet in (rules.purpose, rules.summary, rules.participants, rules.reactions, rules.context):
        assert facet.heading
        assert facet.max_items > 0
    assert load_rules() is rules  # loaded once


@pytest.mark.parametrize(
    ("facet", "sentence"),
    [
        ("purpose", "The ministers will meet to discuss fishing quotas."),
        ("reactions", "Vordia condemned the decision on Tuesday."),
        ("reactions", "The Merenian envoy welcomed the accord."),
        ("context", "The visit comes ahead of elections in Merenia."),
        ("participants", "The minister was accompanied by her deputy, Tomas Ekdal."),
        ("participants", "Ekdal held talks with the Vordian delegation."),
    ],
)
def test_facets_match_their_cues(rules: FacetRules, facet: str, sentence: str) -> None:
    assert getattr(rules, facet).matches(sentence)


@pytest.mark.parametrize(
    "facet", ["purpose", "reactions", "context", "participants"], ids=lambda f: f
)
def test_facets_ignore_a_sentence_without_their_cues(rules: FacetRules, facet: str) -> None:
    assert not getattr(rules, facet).matches("The harbour of Kallavik froze in January.")


def test_cues_match_case_insensitively_at_word_starts_only(rules: FacetRules) -> None:
    assert rules.purpose.matches("AGENDA for the summit")
    assert rules.purpose.matches("the agendas of both sides")  # a cue starts a word
    assert not rules.purpose.matches("a hidden-agenda claim")  # not after a hyphen
    assert not rules.purpose.matches("the reagenda item")  # not inside a word


def test_cues_are_found_where_the_case_blind_pattern_finds_them(rules: FacetRules) -> None:
    # The cues are matched in the text's lowercase (faster); the spans must be those the
    # same pattern finds case-blind in the text itself, in texts of every case and of the
    # letters that lower otherwise (ſ, ı, İ: matched case-blind).
    texts = [
        "The ministers will MEET to Discuss the Agenda ahead of talks, as before.",
        "Vordia CONDEMNED the visit; the Merenian envoy Welcomed it last year.",
        "Tariffs are NOT ON THE AGENDA, and Fishing Will Not Discuss ıt; ſhe LAST TRAVELLED there.",
        "the two leaders' agendas, a hidden-agenda, the reagenda, AİM and ſummit, ıN TALKS",
        "Ελλάδα: the premier — accompanied by his deputy — aimed to seek closer ties.",
    ]
    cues = [
        (rules.purpose.pattern, "purpose"),
        (rules.participants.pattern, "participants"),
        (rules.reactions.pattern, "reactions"),
        (rules.context.pattern, "context"),
        (rules.purpose_requires, "requires"),
        (rules.purpose_excludes, "excludes"),
        (rules.elsewhere, "elsewhere"),
        (rules.principal_references, "principals"),
    ]
    for pattern, what in cues:
        blind = re.compile(pattern._blind.pattern, re.IGNORECASE)  # type: ignore[attr-defined]
        for text in texts:
            found = [m.span(1) for m in pattern.finditer(text)]
            assert found == [m.span(1) for m in blind.finditer(text)], (what, text)


def test_first_match_splits_around_the_first_cue(rules: FacetRules) -> None:
    assert rules.reactions.first_match("Vordia strongly condemned the vote.") == (
        "Vordia strongly ",
        "condemned",
        " the vote.",
    )
    assert rules.reactions.first_match("Vordia strongly CONDEMNED the vote.") == (
        "Vordia strongly ",
        "CONDEMNED",  # as written
        " the vote.",
    )
    assert rules.reactions.first_match("The harbour froze.") is None


def test_a_purpose_needs_a_happening_word(rules: FacetRules) -> None:
    with_happening = "The ministers will meet to discuss fishing quotas."
    without = "The new tariff aims to protect fishing villages."
    assert rules.purpose.matches(without)  # it has a purpose cue…
    assert not rules.requires_happening(without)  # …but names no meeting, talks or visit
    assert not rules.is_purpose(without)
    assert rules.requires_happening(with_happening)
    assert rules.is_purpose(with_happening)


@pytest.mark.parametrize(
    "sentence",
    [
        "Fishing quotas will not be discussed at the meeting.",
        "The summit will not discuss fishing quotas.",
        "The two ministers last met to discuss quotas in May.",
    ],
)
def test_a_purpose_rejects_what_is_not_on_the_agenda_or_an_earlier_trip(
    rules: FacetRules, sentence: str
) -> None:
    assert rules.purpose.matches(sentence)
    assert rules.requires_happening(sentence)
    assert not rules.is_purpose(sentence)


def test_principals_and_other_times(rules: FacetRules) -> None:
    assert rules.refers_to_principals("The two leaders shook hands in Kallavik.")
    assert not rules.refers_to_principals("Ekdal shook hands with Varga.")
    assert rules.is_elsewhere("They had met last year in Kallavik.")
    assert rules.is_elsewhere("The former minister attended.")
    assert not rules.is_elsewhere("They meet today in Kallavik.")


# -- the world table ---------------------------------------------------------------------------


def test_load_countries_gives_name_demonym_capital_and_aliases() -> None:
    by_name = {c.name: c for c in countries()}
    japan = by_name["Japan"]
    assert (japan.demonym, japan.capital) == ("Japanese", "Tokyo")
    assert "US" in by_name["United States"].aliases
    assert all(c.name and not c.name.startswith("#") for c in by_name.values())


@pytest.mark.parametrize(
    ("text", "country"),
    [
        ("Tokyo said no.", "Japan"),  # a capital
        ("The Japanese side said no.", "Japan"),  # a demonym
        ("Two Germans were held.", "Germany"),  # a demonym in the plural
        ("Berlin's answer came late.", "Germany"),  # a possessive
        ("Japan said no.", "Japan"),  # the name itself
    ],
)
def test_the_party_resolver_maps_capital_and_demonym_to_the_country(
    rules: FacetRules, text: str, country: str
) -> None:
    resolver = rules.party_resolver
    found = resolver.pattern.search(text)
    assert found is not None
    assert resolver.by_word[found.group(1).lower()] == country


def test_aliases_map_to_their_country_as_written(rules: FacetRules) -> None:
    resolver = rules.party_resolver
    found = resolver.alias_pattern.findall("The Kremlin and the U.S. disagreed; the UK abstained.")
    assert [resolver.by_alias[a] for a in found] == ["Russia", "United States", "United Kingdom"]


def test_case_sensitive_aliases_never_take_the_pronoun_us(rules: FacetRules) -> None:
    resolver = rules.party_resolver
    assert resolver.alias_pattern.findall("Let us talk, he told us.") == []
    assert resolver.alias_pattern.findall("Let us talk with the US.") == ["US"]
    assert resolver.alias_pattern.findall("USA") == ["USA"]  # the longer alias, not "US"


def test_a_party_resolver_built_from_an_invented_table() -> None:
    vordia = Country("Vordia", "Vordian", "Kallavik", ("VRD", "Stone Palace"))
    resolver = PartyResolver([vordia])
    for text in ("Kallavik objected.", "The Vordians objected.", "Vordia's envoy objected."):
        found = resolver.pattern.search(text)
        assert found is not None and resolver.by_word[found.group(1).lower()] == "Vordia"
    assert resolver.alias_pattern.findall("The Stone Palace and VRD agreed.") == [
        "Stone Palace",
        "VRD",
    ]
    assert resolver.alias_pattern.findall("the stone palace, vrd") == []
    assert resolver.pattern.search("Vordianism spread.") is None  # whole words only


def test_a_country_spelt_with_a_dotless_i_is_found_however_it_is_written() -> None:
    # Case-blind, "ı" matches "i" and "I": a match is looked up as lexicon.case_key reads it,
    # and the table's words are keyed so; lowered alone, either failed the briefing.
    resolver = PartyResolver([Country("Kırvania", "Kırvanian", "Tolı")])
    for text in ("Kırvania objected.", "KIRVANIA objected.", "Kirvanian envoys objected."):
        found = resolver.pattern.search(text)
        assert found is not None and resolver.by_word[case_key(found.group(1))] == "Kırvania"


def test_a_world_table_without_aliases_finds_no_alias() -> None:
    resolver = PartyResolver([Country("Vordia", "Vordian", "Kallavik")])
    assert resolver.alias_pattern.findall("Yes, indeed. Vordia agreed.") == []
