from __future__ import annotations

from pathlib import Path

import pytest

from briefings.extract.sentences import split_sentences
from briefings.models import Sentence

SEEDS = Path(__file__).parents[2] / "seeds"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # plain boundaries after ".", "?" and "!"
        ("It rained. Then it stopped.", ["It rained.", "Then it stopped."]),
        ("Will he go? Nobody knows! We wait.", ["Will he go?", "Nobody knows!", "We wait."]),
        # month and title abbreviations never end a sentence
        ("The vote is on Sept. 17 in Israel.", ["The vote is on Sept. 17 in Israel."]),
        ("He met on Nov. 20, 2013. (Photo: AP)", ["He met on Nov. 20, 2013.", "(Photo: AP)"]),
        ("Mr. Smith met Dr. Jones.", ["Mr. Smith met Dr. Jones."]),
        ("Gen. Lee and Lt. Gen. Ray met Maj. Cole.", ["Gen. Lee and Lt. Gen. Ray met Maj. Cole."]),
        ("They flew to St. Petersburg.", ["They flew to St. Petersburg."]),
        # acronyms and initials
        ("The U.S. President spoke.", ["The U.S. President spoke."]),
        ("Putin and U.S . President Trump met.", ["Putin and U.S . President Trump met."]),
        ("Putin and U.S .President Trump met.", ["Putin and U.S .President Trump met."]),
        ("Adviser H.R. McMaster left.", ["Adviser H.R. McMaster left."]),
        ("John F. Kennedy and J. A. Smith came.", ["John F. Kennedy and J. A. Smith came."]),
        ("Troops left the U.S. The talks went on.", ["Troops left the U.S.", "The talks went on."]),
        # times: "p.m." mid-sentence and at the end of one
        ("At 5 p.m. Moscow time they met.", ["At 5 p.m. Moscow time they met."]),
        ("They met at 5 p.m. The talks lasted.", ["They met at 5 p.m.", "The talks lasted."]),
        # numbers
        ("Growth was 3.5 percent. Prices rose.", ["Growth was 3.5 percent.", "Prices rose."]),
        ("It won No. 1 spot.", ["It won No. 1 spot."]),
        ("It ended in 2019. 2020 was worse.", ["It ended in 2019.", "2020 was worse."]),
        # closing quotes end the sentence; a lowercase attribution continues it
        ('He said "no." Then he left.', ['He said "no."', "Then he left."]),
        ("He said “no.” Then he left.", ["He said “no.”", "Then he left."]),
        ("“It is over,” he said. “We won.”", ["“It is over,” he said.", "“We won.”"]),
        ('"Why?" he asked.', ['"Why?" he asked.']),
        (
            'It regards them as "compatriots". Others agree.',
            ['It regards them as "compatriots".', "Others agree."],
        ),
        # a quote of several sentences is split into them
        ("“We came. We saw.”", ["“We came.", "We saw.”"]),
        # things that are not boundaries at all
        (
            "MOSCOW, September 12. /TASS/: Talks began.",
            ["MOSCOW, September 12. /TASS/: Talks began."],
        ),
        ("See example.com. It is down.", ["See example.com.", "It is down."]),
        ("It closed. étrange, said one.", ["It closed. étrange, said one."]),
        ("Ankara sagte es. Übrigens kam er.", ["Ankara sagte es.", "Übrigens kam er."]),
        # a company abbreviation ends a sentence only before a sentence start
        (
            "Apple Inc. said so. It sold Acme Inc. The end.",
            ["Apple Inc. said so.", "It sold Acme Inc.", "The end."],
        ),
    ],
)
def test_split_sentences_finds_boundaries(text: str, expected: list[str]) -> None:
    assert [sentence.text for sentence in split_sentences([text])] == expected


def test_split_sentences_numbers_across_paragraphs_and_splits_lines_first() -> None:
    paragraphs = ["Title line\nFirst one. Second one.", "", "  Third one.  "]
    assert split_sentences(paragraphs) == (
        Sentence(0, 0, "Title line"),
        Sentence(1, 0, "First one."),
        Sentence(2, 0, "Second one."),
        Sentence(3, 2, "Third one."),
    )


def test_split_sentences_of_nothing_is_empty() -> None:
    assert split_sentences([]) == ()
    assert split_sentences(["", "  \n  "]) == ()


def test_split_sentences_keeps_seed_abbreviations_inside_sentences() -> None:
    text = (SEEDS / "001_c3e32744e663881a.txt").read_text(encoding="utf-8")
    sentences = [s.text for s in split_sentences(text.split("\n\n"))]
    assert (
        "Israeli Prime Minister Benjamin Netanyahu visited Russia on Thursday to meet President "
        "Vladimir Putin, as he looks to convey the image of a statesman ahead of an election on "
        "Sept. 17."
    ) in sentences
    assert len(sentences) == 19


def test_split_sentences_keeps_every_character_of_the_seeds() -> None:
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        sentences = split_sentences(text.split("\n\n"))
        assert "".join(s.text for s in sentences).replace(" ", "") == "".join(text.split())
