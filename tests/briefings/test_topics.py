"""Topics: cue words map to topics; a place an article dwells on is a topic too."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from briefings.extract.topics import PLACE_TOPIC_MIN_MENTIONS, Taxonomy
from briefings.models import Entities

FISHING = {
    "fishing": ("trawler", "fishing fleet", "catch"),
    "weather": ("storm", "gale"),
}


@pytest.fixture(scope="module")
def shipped() -> Taxonomy:
    return Taxonomy.load()


@pytest.fixture
def taxonomy() -> Taxonomy:
    return Taxonomy.from_cues(FISHING, min_hits=2)


def test_the_shipped_taxonomy_maps_cues_to_topics(shipped: Taxonomy) -> None:
    assert shipped.topics_of_text("New tariffs on steel") == {"economy"}
    assert shipped.topics_of_text("A truce was agreed") == {"ceasefire"}
    assert shipped.topics_of_text("The harbour froze") == set()


def test_a_cue_matches_the_start_of_a_word_in_any_case(taxonomy: Taxonomy) -> None:
    assert taxonomy.topics_of_text("Two TRAWLERS sank") == {"fishing"}
    assert taxonomy.topics_of_text("The catches were small") == {"fishing"}
    assert taxonomy.topics_of_text("A brainstorm in the office") == set()  # not inside a word


def test_a_phrase_cue_wins_over_its_first_word() -> None:
    taxonomy = Taxonomy.from_cues({"fleet": ("fishing",), "harbour": ("fishing fleet",)})
    assert taxonomy.cue_positions("The fishing fleet stayed in.") == [(4, "harbour")]
    assert taxonomy.cue_positions("Fishing stopped.") == [(0, "fleet")]


def test_cue_positions_lists_every_cue_in_order(taxonomy: Taxonomy) -> None:
    text = "A gale hit the fishing fleet; one trawler sank in the storm."
    assert taxonomy.cue_positions(text) == [
        (text.index("gale"), "weather"),
        (text.index("fishing fleet"), "fishing"),
        (text.index("trawler"), "fishing"),
        (text.index("storm"), "weather"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "A GALE hit the Fishing Fleet; one trawler's catch was lost in the Storm.",
        "Gale warnings: the KATCH and the ſtorm",  # long s matches "s" case-blind
        "İSTANBUL: the catch and the ıce storm",  # "İ" lowers to two characters
        "Trawlers—“storm-proof”—and a Kelvin-sign \u212aatch, in Straße and Æther",
    ],
)
def test_cues_are_found_as_case_blind_matching_finds_them(taxonomy: Taxonomy, text: str) -> None:
    # The taxonomy matches lowercase text when it can (Taxonomy.lowered_pattern): the same
    # cues at the same positions as the case-blind pattern, whatever the characters.
    def cue_of(matched: str) -> str:
        return next(c for c in taxonomy.topic_of_cue if re.fullmatch(re.escape(c), matched, re.I))

    expected = [
        (m.start(), taxonomy.topic_of_cue[cue_of(m.group(1))])
        for m in taxonomy.pattern.finditer(text)
    ]
    assert taxonomy.lowered_pattern is not None
    assert taxonomy.cue_positions(text) == expected
    assert taxonomy.topics_of_text(text) == {topic for _, topic in expected}


def test_a_cue_not_in_lowercase_ascii_is_matched_case_blind() -> None:
    taxonomy = Taxonomy.from_cues({"weather": ("föhn",)})
    assert taxonomy.lowered_pattern is None
    assert taxonomy.topics_of_text("A FÖHN wind") == {"weather"}


def test_a_cue_spelt_with_a_long_s_is_found_not_failed_on(taxonomy: Taxonomy) -> None:
    # Case-blind, "ſ" matches "s" but lowers to itself: the cue was looked up as "ſtorm"
    # and the article failed to be analysed.
    assert taxonomy.topics_of_text("The ſtorm and the gale") == {"weather"}


def test_a_topic_needs_min_hits_and_title_hits_count_double(taxonomy: Taxonomy) -> None:
    nothing = Entities()
    assert taxonomy.topics_for("Quiet day", "One trawler came in.", nothing) == ()
    assert taxonomy.topics_for("Trawler lost", "Nothing else to say.", nothing) == ("fishing",)
    assert taxonomy.topics_for("Quiet", "A trawler and its catch.", nothing) == ("fishing",)


def test_topics_come_most_supported_first(taxonomy: Taxonomy) -> None:
    body = "A gale, then a storm, then another gale. One trawler and its catch came back."
    assert taxonomy.topics_for("Harbour news", body, Entities()) == ("weather", "fishing")


def test_the_callers_body_cues_are_used_instead_of_the_body(taxonomy: Taxonomy) -> None:
    cues = [(0, "weather"), (10, "weather")]
    assert taxonomy.topics_for("", "no cue words here", Entities(), body_cues=cues) == ("weather",)


def test_a_place_the_article_names_again_and_again_is_a_topic(taxonomy: Taxonomy) -> None:
    body = "Kallavik closed its port. Boats stayed in Kallavik. Orlaska was calm."
    assert body.count("Kallavik") >= PLACE_TOPIC_MIN_MENTIONS
    places = Entities(places=("Kallavik", "Orlaska"))
    assert taxonomy.topics_for("Port news", body, places) == ("kallavik",)


def test_sentence_topics_are_the_articles_topics_a_sentence_speaks_of(taxonomy: Taxonomy) -> None:
    article_topics = ("fishing", "weather", "kallavik")
    assert taxonomy.sentence_topics("A trawler sank off Kallavik.", article_topics) == (
        "fishing",
        "kallavik",
    )
    assert taxonomy.sentence_topics("The storm passed.", article_topics) == ("weather",)
    # Only the article's own topics: a cue for a topic it does not have adds nothing.
    assert taxonomy.sentence_topics("The storm passed.", ("fishing",)) == ()
    assert taxonomy.sentence_topics("X", article_topics, cued={"weather"}) == ("weather",)


def test_a_taxonomy_file_can_replace_the_shipped_one(tmp_path: Path) -> None:
    path = tmp_path / "topics.toml"
    path.write_text(
        'min_hits = 1\n\n[topics]\nFishing = ["Trawler", "fishing fleet"]\n', encoding="utf-8"
    )
    taxonomy = Taxonomy.load(path)
    assert taxonomy.min_hits == 1
    assert taxonomy.cues == {"fishing": ("trawler", "fishing fleet")}
    assert taxonomy.topics_for("", "One trawler.", Entities()) == ("fishing",)


def test_a_place_named_once_is_no_topic_even_inside_a_longer_word(taxonomy: Taxonomy) -> None:
    body = "Niger closed its border. Nigeria kept its own open."
    assert taxonomy.topics_for("Borders", body, Entities(places=("Niger",))) == ()


def test_a_sentence_speaks_of_a_place_only_by_its_whole_name(taxonomy: Taxonomy) -> None:
    assert taxonomy.sentence_topics("A woman spoke at the harbour.", ("oman",)) == ()


def test_a_place_is_counted_as_the_whole_word_pattern_counts_it() -> None:
    """_times_named finds places with str.find; it must count what ``(?<!\\w)place(?!\\w)``
    counts: overlapping names, names at either end, digits, underscores, other alphabets."""
    import random
    import re

    from briefings.extract.topics import _times_named

    alphabet = ["a", "a", " ", " ", "b", "_", "1", "-", "é", "ж", "\u0661"]
    rng = random.Random(16)
    cases = [("aa", "aaaa aa aaa"), ("a a", "a a a"), ("niger", "nigeria niger niger_ niger.")]
    for _ in range(5000):
        place = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 3)))
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        cases.append((place, text))
    for place, text in cases:
        expected = len(re.findall(rf"(?<!\w){re.escape(place)}(?!\w)", text))
        assert _times_named(place, text) == expected, (place, text)
