"""Near-identical sentences: one report carried by several outlets becomes one item."""

from __future__ import annotations

from briefings.brief.similarity import (
    SAME_LEAD_WORDS,
    SAME_PREFIX_WORDS,
    group_similar,
    is_same_report,
    normalise,
)
from briefings.index.store import StoredSentence

REPORT = "The Vordian defence minister arrived in Kallavik on Tuesday for two days of talks."
OTHER = "Fishing quotas in the northern bay were cut by a fifth after a poor season."


def sentence(article: int, text: str, index: int = 0) -> StoredSentence:
    return StoredSentence(article_id=article, index=index, paragraph=0, text=text)


def test_normalise_ignores_case_punctuation_spacing_apostrophes_and_spelling() -> None:
    assert normalise("The  Minister’s view — Defence!") == normalise("the minister's view defense")
    assert normalise("Kallavik, Vordia.") == "kallavik vordia"


def test_one_report_in_two_spellings_is_the_same_report() -> None:
    british, american = REPORT, REPORT.replace("defence", "defense")
    assert is_same_report(normalise(british), normalise(american))


def test_a_lightly_edited_copy_is_the_same_report() -> None:
    edited = "The Vordian defence minister arrived in Kallavik on Tuesday for 2 days of talks"
    assert is_same_report(normalise(REPORT), normalise(edited))


def test_unrelated_sentences_are_different_reports() -> None:
    assert not is_same_report(normalise(REPORT), normalise(OTHER))


def test_a_short_report_carried_with_more_words_after_it_is_the_same_report() -> None:
    short = " ".join(f"w{n}" for n in range(SAME_PREFIX_WORDS))
    longer = short + " and then a long tail of many more words that changes the ratio a lot"
    assert is_same_report(short, longer)
    too_short = " ".join(f"w{n}" for n in range(SAME_PREFIX_WORDS - 1))
    assert not is_same_report(too_short, too_short + " and a long tail of many other words")


def test_sentences_opening_with_the_same_words_are_the_same_report() -> None:
    lead = " ".join(f"w{n}" for n in range(SAME_LEAD_WORDS))
    assert is_same_report(
        lead + " then one ending about the harbour", lead + " but another about the weather"
    )
    shorter_lead = " ".join(f"w{n}" for n in range(SAME_LEAD_WORDS - 1))
    assert not is_same_report(
        shorter_lead + " x then one ending about the harbour and its long quays",
        shorter_lead + " y but another ending about the weather, snow and ice",
    )


def test_group_similar_puts_near_duplicates_together_in_first_seen_order() -> None:
    copy = REPORT.replace("defence", "defense")
    groups = group_similar([sentence(1, REPORT), sentence(3, OTHER), sentence(2, copy)])
    assert [[s.article_id for s in g.sentences] for g in groups] == [[1, 2], [3]]
    assert groups[1].text == OTHER


def test_the_most_informative_wording_is_kept() -> None:
    fuller = REPORT[:-1] + " with the navy chief and the port authority."
    groups = group_similar([sentence(1, REPORT), sentence(2, fuller)])
    (group,) = groups
    assert group.best.article_id == 2
    assert group.text == fuller


def test_of_equally_informative_wordings_the_shorter_is_kept() -> None:
    padded = REPORT.replace("arrived in", "arrived  in").replace("on Tuesday", "on  Tuesday")
    (group,) = group_similar([sentence(1, padded), sentence(2, REPORT)])
    assert group.text == REPORT


def test_a_sentence_repeated_in_one_article_counts_once_but_other_articles_count() -> None:
    groups = group_similar([sentence(1, REPORT, 0), sentence(1, REPORT, 4), sentence(2, REPORT, 1)])
    (group,) = groups
    assert [(s.article_id, s.index) for s in group.sentences] == [(1, 0), (2, 1)]


def test_no_sentences_give_no_groups() -> None:
    assert group_similar([]) == []
