"""People, places and organisations found by rules in real and made-up articles."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from briefings.extract.people import find_entities
from briefings.models import Entities, PersonMention, Sentence

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
CORPUS = ROOT.parent / "shared" / "corpora" / "erdogan-putin"

# Seeds whose first line is a headline (the others open with body text).
TITLES = {
    "000": "",
    "001": "Netanyahu in Russia to meet Putin ahead of Israeli elections",
    "002": "Israel's Netanyahu in Russia to meet Putin ahead of polls",
    "003": "",
    "004": "Netanyahu to meet with Putin in Sochi Wednesday, talks to center on Syria and Iran",
}
_SPLIT = re.compile(r"(?<![A-Z]\.[A-Z]\.)(?<!\bMr\.)(?<!\bMs\.)(?<=[.!?])\s+(?=[A-Z\"“«])")


def sentences_of(text: str) -> list[Sentence]:
    """A simple splitter for the tests: a line is a paragraph, then split after . ! ?"""
    out: list[Sentence] = []
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for paragraph, line in enumerate(lines):
        for part in _SPLIT.split(line):
            out.append(Sentence(len(out), paragraph, part))
    return out


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def seed(prefix: str) -> Entities:
    path = next(SEEDS.glob(f"{prefix}_*.txt"))
    return find_entities(sentences_of(path.read_text("utf-8")), title=TITLES[prefix])


def corpus(name: str) -> Entities:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpora is absent")
    text = (CORPUS / name).read_text("utf-8")
    first = text.strip().splitlines()[0].strip()
    return find_entities(sentences_of(text), title=first)


def person(entities: Entities, name: str) -> PersonMention:
    return next(p for p in entities.people if p.name == name)


# -- who is a person: precision and recall on the seeds and the development corpus ----------
@pytest.mark.parametrize(
    ("prefix", "people"),
    [
        (
            "000",
            [
                "Benjamin Netanyahu",
                "Vladimir Putin",
                "Meir Ben-Shabbat",
                "Aviv Kochavi",
                "Sergei Shoigu",
                "Bashar al-Assad",
                "Volodymyr Zelensky",
            ],
        ),
        (
            "001",
            [
                "Benjamin Netanyahu",
                "Vladimir Putin",
                "Donald Trump",
                "Sergei Shoigu",
                "Bashar Assad",
                "Avigdor Lieberman",
            ],
        ),
        (
            "002",
            [
                "Benjamin Netanyahu",
                "Vladimir Putin",
                "Avigdor Lieberman",
                "Donald Trump",
                "Sergei Shoigu",
                "Bashar al-Assad",
            ],
        ),
        (
            "003",
            [
                "Vladimir Putin",
                "Benjamin Netanyahu",
                "Gary Koren",
                "Meir Ben-Shabbat",
                "Aviv Kochavi",
                "Sergei Shoigu",
                "Igor Konashenkov",
            ],
        ),
        (
            "004",
            [
                "Benjamin Netanyahu",
                "Vladimir Putin",
                "Yossi Cohen",
                "H.R. Masters",
                "Jason Greenblatt",
                "Dina Powell",
            ],
        ),
    ],
)
def test_seed_people_are_found_in_order_of_first_mention(prefix: str, people: list[str]) -> None:
    assert [p.name for p in seed(prefix).people] == people


@pytest.mark.parametrize(
    ("name", "people"),
    [
        ("01.txt", ["vladimir putin", "recep tayyip erdogan", "dmitry peskov"]),
        ("02.txt", ["recep tayyip erdogan", "vladimir putin"]),
        (
            "03.txt",
            ["recep tayyip erdogan", "vladimir putin", "mevlut cavusoglu", "hassan rouhani"],
        ),
        ("04.txt", ["vladimir putin", "tayyip erdogan"]),
        ("05.txt", ["recep tayyip erdogan", "vladimir putin"]),
        ("06.txt", ["vladimir putin", "recep tayyip erdogan"]),
        ("07.txt", ["recep tayyip erdogan", "vladimir putin"]),
    ],
)
def test_corpus_people_are_found_with_accents_and_three_part_names(
    name: str, people: list[str]
) -> None:
    assert [fold(p.name) for p in corpus(name).people] == people


def test_accented_names_are_kept_as_written() -> None:
    assert [p.name for p in corpus("03.txt").people] == [
        "Recep Tayyip Erdoğan",
        "Vladimir Putin",
        "Mevlüt Çavuşoğlu",
        "Hassan Rouhani",
    ]


NEVER_PEOPLE = [
    "Kobi Gideon", "Likud", "Yisrael Beitenu", "Hizballah", "Hezbollah", "Sochi", "Kremlin",
    "Jordan Valley", "West Bank", "Black Sea", "Dead Sea", "White House", "Idlib",
    "Bocharov Ruchei", "TurkStream", "Tehran", "Astana", "Anadolu", "RIA Novosti",
    "Goneeverything", "Filed", "Somali", "Crimea", "Ankara", "Mossad",
]  # fmt: skip


@pytest.mark.parametrize(
    "source",
    [("seed", p) for p in TITLES] + [("corpus", f"0{n}.txt") for n in range(1, 8)],
)
def test_places_organisations_and_credits_are_never_people(source: tuple[str, str]) -> None:
    kind, name = source
    entities = seed(name) if kind == "seed" else corpus(name)
    names = [fold(p.name) for p in entities.people]
    assert [bad for bad in NEVER_PEOPLE if any(fold(bad) in n for n in names)] == []


# -- roles and nationality ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("prefix", "name", "roles", "nationality"),
    [
        ("000", "Benjamin Netanyahu", ("Israeli Prime Minister",), "Israeli"),
        ("000", "Vladimir Putin", ("President",), None),
        ("000", "Meir Ben-Shabbat", ("Israeli national-security adviser",), "Israeli"),
        ("000", "Aviv Kochavi", ("Air Force chief",), None),
        ("000", "Sergei Shoigu", ("Russian Defense Minister",), "Russian"),
        ("000", "Volodymyr Zelensky", ("Ukraine's President",), "Ukrainian"),
        # a role given in an apposition joins the one before the name
        ("001", "Benjamin Netanyahu", ("Israeli Prime Minister", "defense minister"), "Israeli"),
        ("001", "Avigdor Lieberman", (), None),
        ("002", "Benjamin Netanyahu", ("defence minister",), None),
        ("002", "Sergei Shoigu", ("Russian Defence Minister",), "Russian"),
        ("002", "Donald Trump", ("US President",), "American"),
        ("003", "Gary Koren", ("Israeli Ambassador to Moscow",), "Israeli"),
        (
            "003",
            "Meir Ben-Shabbat",
            ("head of the Jewish state’s national Security Council",),
            None,
        ),
        (
            "003",
            "Aviv Kochavi",
            ("Chief of General Staff of the Israeli Defense Forces",),
            "Israeli",
        ),
        (
            "003",
            "Igor Konashenkov",
            ("Russian Defense Ministry Spokesman Major General",),
            "Russian",
        ),
        # "President" is dropped beside "Russian President": it says nothing more
        ("003", "Vladimir Putin", ("Russian President",), "Russian"),
        ("004", "Vladimir Putin", ("President of Russia",), "Russian"),
        ("004", "Yossi Cohen", ("Mossad Director",), None),
        ("004", "H.R. Masters", ("Trump’s National Security Advisor",), None),
        ("004", "Jason Greenblatt", ("Middle East envoy",), None),
        ("004", "Dina Powell", ("Deputy National Security Advisor",), None),
    ],
)
def test_roles_are_kept_as_the_article_words_them(
    prefix: str, name: str, roles: tuple[str, ...], nationality: str | None
) -> None:
    found = person(seed(prefix), name)
    assert (found.roles, found.nationality) == (roles, nationality)


@pytest.mark.parametrize(
    ("name", "person_name", "roles", "nationality"),
    [
        ("01.txt", "Dmitry Peskov", ("press Secretary of the President",), None),
        ("03.txt", "Mevlüt Çavuşoğlu", ("Turkish Foreign Minister",), "Turkish"),
        ("03.txt", "Hassan Rouhani", ("Iranian President",), "Iranian"),
        # "his Russian counterpart": a nationality, but no role
        ("03.txt", "Vladimir Putin", (), "Russian"),
        ("05.txt", "Recep Tayyip Erdogan", ("Turkey’s President",), "Turkish"),
    ],
)
def test_corpus_roles(
    name: str, person_name: str, roles: tuple[str, ...], nationality: str | None
) -> None:
    found = person(corpus(name), person_name)
    assert (found.roles, found.nationality) == (roles, nationality)


# -- linking: surnames, possessives, headlines ----------------------------------------------
@pytest.mark.parametrize(
    ("prefix", "name", "sentences"),
    [
        # "Netanyahu’s plan", "Netanyahu and Putin", "Netanyahu announced"
        ("000", "Benjamin Netanyahu", (0, 1, 2, 5, 6, 9, 12)),
        # the headline (sentence 1) names him before the body gives his full name
        ("001", "Benjamin Netanyahu", (1, 2, 3, 4, 7, 8, 9, 10, 13, 15, 16)),
        ("001", "Vladimir Putin", (1, 2, 4, 7, 10, 13, 17)),
        ("004", "Yossi Cohen", (10, 11, 12, 13)),
        ("003", "Igor Konashenkov", (10,)),
    ],
)
def test_surnames_link_to_the_full_name(prefix: str, name: str, sentences: tuple[int, ...]) -> None:
    assert person(seed(prefix), name).sentences == sentences


def test_a_shorter_form_of_a_name_links_to_the_longer_one() -> None:
    erdogan = person(corpus("01.txt"), "Recep Tayyip Erdogan")  # also "Tayyip Erdogan"
    assert erdogan.sentences == (0, 1, 2, 7, 8)


def test_a_surname_only_ever_given_with_a_title_is_a_person() -> None:
    text = "Prime Minister Okafor opened the session.\nOkafor said the budget was balanced."
    assert find_entities(sentences_of(text)).people == (
        PersonMention(name="Okafor", roles=("Prime Minister",), sentences=(0, 1)),
    )


# -- quotes ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("prefix", "name", "quotes"),
    [
        (
            "000",
            "Benjamin Netanyahu",
            (
                "continue to advance the common goal that we agree on, which has yet to be"
                " achieved and which is far from being achieved, and that is the withdrawal of"
                " Iran from Syria.",
                "apply Israeli sovereignty",
            ),
        ),
        (
            "001",
            "Benjamin Netanyahu",
            (
                "This is a very important trip",
                "to ensure Israel’s security, in the face of attempts by Iran and its proxies"
                " to attack us",
                "Every meeting with you is very important",
                "direct contact with President Putin, a connection which is of great value to me.",
                "Relations between Israel and Russia today are better than ever",
            ),
        ),
        (
            "002",
            "Vladimir Putin",
            (
                "not indifferent as to which people come into the Israeli parliament",
                "compatriots",
                "We hope that these will be responsible politicians who in any case will keep"
                " everything that was achieved in bilateral relations in recent times, and will"
                " keep developing relations with us",
                "Thanks largely to your efforts our relations have reached a new level in terms of"
                " security and military cooperation. We know how important this is given the"
                " continuing threat of international terrorism",
            ),
        ),
        # an unnamed "diplomatic source" speaks: the quote is nobody's
        ("003", "Vladimir Putin", ()),
        ("003", "Benjamin Netanyahu", ()),
        (
            "004",
            "Yossi Cohen",
            (
                "The areas where Daesh [ISIS] presence is decreasing, Iran is working to fill"
                " the void.",
            ),
        ),
    ],
)
def test_direct_quotes_go_to_their_speaker(prefix: str, name: str, quotes: tuple[str, ...]) -> None:
    assert person(seed(prefix), name).quotes == quotes


def test_a_quote_continued_after_the_attribution_keeps_its_speaker() -> None:
    quotes = person(seed("002"), "Benjamin Netanyahu").quotes
    assert quotes[:2] == (
        "Personal connection between us helped prevent frictions between Russian and Israeli"
        " militaries",
        "This is a very important element of stability for the entire region.",
    )


@pytest.mark.parametrize(
    ("name", "person_name", "quotes"),
    [
        ("02.txt", "Vladimir Putin", ("looking for solutions where there are none right now",)),
        (
            "07.txt",
            "Vladimir Putin",
            (
                "The situation in the region is very severe",
                "will let us find an answer to even the most difficult questions",
            ),
        ),
        (
            "06.txt",
            "Recep Tayyip Erdogan",
            ("Peace there depends on relations between Turkey and Russia",),
        ),
    ],
)
def test_corpus_quotes(name: str, person_name: str, quotes: tuple[str, ...]) -> None:
    assert person(corpus(name), person_name).quotes == quotes


# -- places and organisations -------------------------------------------------------------------
def test_seed_places_and_organisations() -> None:
    entities = seed("003")
    assert (entities.places, entities.organisations) == (
        (
            "Moscow", "Sochi", "Middle East", "Russia", "Syria", "United States", "Israel",
            "Mediterranean Sea", "Hmeymim", "Latakia",
        ),
        (
            "TASS", "Kremlin", "Security Council", "General Staff", "Israeli Defense Forces",
            "Israeli General Staff", "Israeli Air Force", "Russian Defense Ministry", "Likud",
        ),
    )  # fmt: skip


def test_cue_words_make_places_and_organisations() -> None:
    entities = seed("000")
    assert {"Sochi", "Black Sea", "West Bank", "Jordan Valley", "Dead Sea", "Kyiv"} <= set(
        entities.places
    )
    assert {"Kremlin", "Hizballah", "Likud", "Foreign Ministry", "Knesset"} <= set(
        entities.organisations
    )


# -- a made-up article about another meeting: nothing here is in the tables -----------------
SYNTHETIC = """Berg and Sato agree on Arctic shipping talks
Chancellor Anna Berg met Japanese Foreign Minister Kenji Sato in Oslo on Tuesday, the first visit by a Japanese cabinet member to the Norwegian capital in a decade.
"We share an ocean and a responsibility for it," Berg told reporters after the meeting at the Akershus Fortress.
Sato said Tokyo wanted "predictable rules for the northern sea route" and invited Berg to visit Japan next spring.
European Commission President Ursula von der Leyen, who joined the talks by video link, said the European Union would back a joint study. Saudi Crown Prince Mohammed bin Salman was not involved.
The talks were also attended by Jean-Yves Le Drian, a former French foreign minister, and by Norwegian Fisheries Minister Lars Øyvind Haugen.
"The northern sea route is not a shortcut, it is a shared duty," Haugen said. He added that the Norwegian Coast Guard would take part.
"We will be there," he said.
Photo: Ingrid Solberg/NTB
"""  # noqa: E501


def test_a_made_up_article_gives_its_people_places_and_organisations() -> None:
    entities = find_entities(sentences_of(SYNTHETIC), title=SYNTHETIC.splitlines()[0])
    assert entities == Entities(
        people=(
            PersonMention(
                name="Anna Berg",
                roles=("Chancellor",),
                sentences=(0, 1, 2, 3),
                quotes=("We share an ocean and a responsibility for it",),
            ),
            PersonMention(
                name="Kenji Sato",
                roles=("Japanese Foreign Minister",),
                nationality="Japanese",
                sentences=(0, 1, 3),
                quotes=("predictable rules for the northern sea route",),
            ),
            PersonMention(
                name="Ursula von der Leyen",
                roles=("European Commission President",),
                sentences=(4,),
            ),
            PersonMention(
                name="Mohammed bin Salman",
                roles=("Saudi Crown Prince",),
                nationality="Saudi",
                sentences=(5,),
            ),
            PersonMention(
                name="Jean-Yves Le Drian",
                roles=("former French foreign minister",),
                nationality="French",
                sentences=(6,),
            ),
            PersonMention(
                name="Lars Øyvind Haugen",
                roles=("Norwegian Fisheries Minister",),
                nationality="Norwegian",
                sentences=(6, 7),
                quotes=(
                    "The northern sea route is not a shortcut, it is a shared duty",
                    "We will be there",
                ),
            ),
        ),
        places=("Arctic", "Oslo", "Akershus Fortress", "Tokyo", "Japan"),
        organisations=("European Commission", "European Union", "Norwegian Coast Guard"),
    )


# -- single rules ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "people"),
    [
        # a title written with a full stop
        ("The talks were chaired by Gen. Mark Milley on Friday.", [("Mark Milley", ("Gen.",))]),
        # "said X" and an apposition after the name
        (
            '"We will not retreat," said Olena Kovalenko, a spokeswoman for the ministry.',
            [("Olena Kovalenko", ("spokeswoman for the ministry",))],
        ),
        # an age in commas
        ("Maria Lopez, 54, said the decision was final.", [("Maria Lopez", ())]),
        # a long apposition between the name and "said"
        (
            "Tomas Ekdal, a fisheries studies expert at the Northern Maritime Research "
            "University in Tromso, said the quotas held.",
            [("Tomas Ekdal", ())],
        ),
        # a role stated of a name, a surname alone as well
        (
            "Tomas Ekdal's ties with his counterpart proved pivotal. Ekdal was then Norwegian "
            "foreign minister and is now the climate envoy.",
            [("Tomas Ekdal", ("Norwegian foreign minister",))],
        ),
        ("Berg became president in 2020.", [("Berg", ("president",))]),
        (
            "Anna Berg has been a deputy minister of trade since 2019.",
            [("Anna Berg", ("deputy minister of trade",))],
        ),
        # a role and a comma before a name show a person, but give no role: it may be
        # another's ("Like the president, X said")
        (
            "He then met with the head of the Vordian Workers Party, Lina Varga in Kallavik.",
            [("Lina Varga", ())],
        ),
        ("The country's top diplomat, Lina Varga, arrived.", [("Lina Varga", ())]),
        ("Like the president, Anna Berg said little.", [("Anna Berg", ())]),
        ("In the capital, Northwind Mining opened an office.", []),
        # what is said of a place, an organisation or a deed is no role
        ("Germany is the largest economy in Europe.", []),
        ("Vordia was the first country to object.", []),
        ("Northwind Mining was a supplier of the navy.", []),
        ("Anna Berg is the first leader to visit the islands.", []),
        # an honorific makes a surname a person, with no role
        ("Mr. Dupont declined to comment.", [("Dupont", ())]),
        # a country's name as a first name
        ("Israel Katz said the plan would go ahead.", [("Israel Katz", ())]),
        # "Un" is not the UN, "May" is not the month
        (
            "North Korean leader Kim Jong Un oversaw the test.",
            [("Kim Jong Un", ("North Korean leader",))],
        ),
        ("Prime Minister Theresa May spoke in London.", [("Theresa May", ("Prime Minister",))]),
        # a verb between people
        ("The deal was praised by Alexandria Ocasio-Cortez.", [("Alexandria Ocasio-Cortez", ())]),
        # a capitalised word opening a sentence is not a first name
        ("Meanwhile Putin said nothing.", [("Putin", ())]),
        # credits are not people
        ("Crowds gathered. (Photo: Kobi Gideon/GPO)", []),
        ("© RIA Novosti / Sergey Ivanov in Moscow", []),
        # organisations and places that speak are not people
        ("The Hamas movement said Israeli forces had entered Gaza City.", []),
        ("The White House said the Black Sea talks were over.", []),
        ("According to Reuters, the vote was delayed.", []),
    ],
)
def test_single_sentences(text: str, people: list[tuple[str, tuple[str, ...]]]) -> None:
    found = find_entities([Sentence(0, 0, text)]).people
    assert [(p.name, p.roles) for p in found] == people


def test_no_sentences_give_no_entities() -> None:
    assert find_entities([]) == Entities()


def test_a_preposition_before_a_name_is_found_from_the_space_before_it() -> None:
    """Looked for from where the space before the name begins, it is found where a search
    from the start of the sentence finds it."""
    import random

    from briefings.extract.people import _AFTER_PREPOSITION, _after_preposition

    rng = random.Random(1)
    words = ["of", "in", "from", "to", "at", "for", "by", "on", "off", "tin", "From", "é", "-"]
    gaps = [" ", "", "  ", "\t", "\u2003", "\n"]
    for _ in range(20000):
        text = "".join(rng.choice(words) + rng.choice(gaps) for _ in range(rng.randint(0, 6)))
        for start in range(len(text) + 1):
            expected = _AFTER_PREPOSITION.search(text, 0, start) is not None
            assert _after_preposition(text, start) == expected, (text, start)


@pytest.mark.parametrize("mark", ["(", "“", "‘", "«", "'", "...", ","])
def test_a_name_after_punctuation_standing_alone_is_read_not_failed_on(mark: str) -> None:
    # The word before a name is read for a role; stripped of its punctuation, this one is
    # nothing, and looking nothing up failed the whole article's analysis.
    text = f"The minister met {mark} Lina Varga on Monday. Varga said the talks went well."
    assert "Lina Varga" in [p.name for p in find_entities(sentences_of(text)).people]


def test_a_surname_with_a_dashed_apposition_and_no_comma_is_read_not_failed_on() -> None:
    # "who serves as" after a dash, with no comma in the sentence: the apposition's opener
    # was looked for as a comma, and the whole article failed.
    text = "Talks opened on Monday. Varga — who serves as the envoy — said the talks went well"
    assert "Varga" in [p.name for p in find_entities(sentences_of(text)).people]
