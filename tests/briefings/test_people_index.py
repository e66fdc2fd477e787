"""People across articles: mentions merged into people, their roles with the outlets that
give them. Mentions are built by hand with invented names; article ids stand for articles.
"""

from __future__ import annotations

from briefings.index.people_index import Person, merge_people, role_key
from briefings.index.store import StoredMention
from briefings.models import PersonMention

OUTLETS = {1: "Kallavik Herald", 2: "Vordia Today", 3: "Merenia Post", 4: "Orlaska Wire"}


def mention(
    article: int,
    name: str,
    *roles: str,
    sentences: tuple[int, ...] = (0,),
    nationality: str | None = None,
    quotes: tuple[str, ...] = (),
    person: str = "",
) -> StoredMention:
    found = PersonMention(name, roles, nationality, sentences, quotes)
    return StoredMention(article, found, person=person)


def outlet(article: int) -> str:
    return OUTLETS[article]


def path(article: int) -> str:
    return f"article-{article}.txt"


def by_name(people: list[Person]) -> dict[str, Person]:
    return {p.name: p for p in people}


# -- merging -------------------------------------------------------------------------------------


def test_a_surname_and_a_particle_form_link_to_the_full_name() -> None:
    people = merge_people(
        [
            mention(1, "Anna von der Brellen"),
            mention(2, "von der Brellen"),
            mention(3, "Brellen"),
        ]
    )
    (anna,) = people
    assert anna.name == "Anna von der Brellen"
    assert anna.variants == {"Anna von der Brellen", "von der Brellen", "Brellen"}
    assert anna.article_ids == [1, 2, 3]
    assert anna.key == "anna von der brellen"


def test_different_given_names_with_one_surname_are_different_people() -> None:
    people = by_name(merge_people([mention(1, "Anna Brellen"), mention(2, "Lars Brellen")]))
    assert set(people) == {"Anna Brellen", "Lars Brellen"}


def test_a_bare_surname_shared_by_two_people_goes_to_the_more_mentioned() -> None:
    people = by_name(
        merge_people(
            [
                mention(1, "Anna Brellen"),
                mention(2, "Anna Brellen"),
                mention(3, "Lars Brellen"),
                mention(4, "Brellen"),
            ]
        )
    )
    assert people["Anna Brellen"].article_ids == [1, 2, 4]
    assert people["Lars Brellen"].article_ids == [3]


def test_initials_and_middle_names_do_not_contradict_the_given_name() -> None:
    (harald,) = merge_people([mention(1, "H. R. Tolland"), mention(2, "Harald Tolland")])
    assert harald.variants == {"H. R. Tolland", "Harald Tolland"}
    (maria,) = merge_people([mention(1, "Anna Maria Brede"), mention(2, "Maria Brede")])
    assert maria.name == "Anna Maria Brede"


def test_a_family_name_first_links_a_lone_first_word() -> None:
    # "Li Wenhao", then "Mr. Li": a lone name that is no one's surname is one fuller name's first.
    (person,) = merge_people([mention(1, "Li Wenhao"), mention(1, "Li", sentences=(3,))])
    assert person.name == "Li Wenhao"
    assert person.variants == {"Li Wenhao", "Li"}


def test_mentions_the_corpus_resolved_are_grouped_by_their_person() -> None:
    # Spellings no name rule would join, which identity resolution said are one person.
    people = merge_people(
        [
            mention(1, "Mirek Havlanov", person="mirek havlanov"),
            mention(2, "Havlanow", person="mirek havlanov"),
            mention(3, "Havlanow"),  # unresolved: merged by names only, on its own
        ]
    )
    resolved = next(p for p in people if p.key == "mirek havlanov")
    assert resolved.name == "Mirek Havlanov"
    assert resolved.variants == {"Mirek Havlanov", "Havlanow"}
    assert resolved.article_ids == [1, 2]
    assert len(people) == 2


def test_people_come_most_widely_reported_first() -> None:
    people = merge_people(
        [
            mention(1, "Tomas Ekdal"),
            mention(1, "Lina Varga"),
            mention(2, "Lina Varga"),
            mention(3, "Varga"),
        ]
    )
    assert [p.name for p in people] == ["Lina Varga", "Tomas Ekdal"]


def test_a_person_gathers_sentences_quotes_and_counts() -> None:
    (person,) = merge_people(
        [
            mention(1, "Lina Varga", sentences=(0, 2), quotes=("We agree.",)),
            mention(2, "Varga", sentences=(3,), quotes=("It is done.",)),
        ]
    )
    assert person.surname == "Varga"
    assert person.sentence_refs == {(1, 0), (1, 2), (2, 3)}
    assert person.mention_count == 3
    assert person.quotes == [(1, "We agree."), (2, "It is done.")]


def test_no_mentions_give_no_people() -> None:
    assert merge_people([]) == []


# -- roles -----------------------------------------------------------------------------------------


def test_role_key_folds_spelling_nationality_and_filler_words() -> None:
    assert role_key("Russian Defence Minister") == "defense minister"
    assert role_key("defense minister") == "defense minister"
    assert role_key("the Defence Minister of Japan") == "defense minister"
    assert role_key("Trade Commissioner") == "trade commissioner"


def test_role_claims_give_each_role_with_its_outlets_most_cited_first() -> None:
    (person,) = merge_people(
        [
            mention(1, "Lina Varga", "Mayor"),
            mention(2, "Varga", "Governor"),
            mention(3, "Varga", "Governor"),
        ]
    )
    claims = person.role_claims(outlet, path)
    assert [c.role for c in claims] == ["Governor", "Mayor"]
    assert claims[0].sources == ("Vordia Today", "Merenia Post")
    assert claims[0].articles == ("article-2.txt", "article-3.txt")
    assert claims[1].sources == ("Kallavik Herald",)


def test_a_nationality_is_added_to_a_role_unless_the_role_names_a_country() -> None:
    (plain,) = merge_people([mention(1, "Lina Varga", "President", nationality="French")])
    assert [c.role for c in plain.role_claims(outlet, path)] == ["French President"]
    (named,) = merge_people([mention(1, "Lina Varga", "US President", nationality="American")])
    assert [c.role for c in named.role_claims(outlet, path)] == ["US President"]


def test_wordings_of_one_role_are_one_claim_with_every_outlet() -> None:
    (person,) = merge_people(
        [
            mention(1, "Kenji Tanabori", "Foreign Minister", nationality="Japanese"),
            mention(2, "Kenji Tanabori", "Japanese Foreign Minister"),
            mention(3, "Tanabori", "Minister"),  # contained in the fuller role
        ]
    )
    (claim,) = person.role_claims(outlet, path)
    assert claim.role == "Japanese Foreign Minister"
    assert set(claim.sources) == {"Kallavik Herald", "Vordia Today", "Merenia Post"}


def test_generic_and_plural_roles_give_way() -> None:
    (person,) = merge_people(
        [
            mention(1, "Lina Varga", "Mayor"),
            mention(2, "Varga", "official"),  # generic: dropped when a specific role is known
            mention(3, "Varga", "Presidents"),  # "Presidents X and Y": no one person's role
        ]
    )
    assert [c.role for c in person.role_claims(outlet, path)] == ["Mayor"]
    (generic_only,) = merge_people([mention(1, "Tomas Ekdal", "official")])
    assert [c.role for c in generic_only.role_claims(outlet, path)] == ["official"]


def test_display_name_leads_with_the_role_most_outlets_give() -> None:
    (person,) = merge_people(
        [
            mention(1, "Lina Varga", "Mayor"),
            mention(2, "Varga", "Governor"),
            mention(3, "Varga", "Governor"),
        ]
    )
    assert person.display_name(outlet) == "Governor Lina Varga"
    (nobody,) = merge_people([mention(1, "Tomas Ekdal")])
    assert nobody.display_name(outlet) == "Tomas Ekdal"


def test_display_name_takes_a_title_that_heads_a_name_not_an_apposition() -> None:
    """ "president of the Republic of …" follows a name; "Chairman of the State Council of …"
    crowds a headline: the title most outlets give that stands before a name leads."""
    (person,) = merge_people(
        [
            mention(1, "Lina Varga", "president of the Republic of Vordia"),
            mention(2, "Varga", "president of the Republic of Vordia"),
            mention(3, "Varga", "Chairman of the State Council of Vordia"),
            mention(4, "Varga", "Governor"),
        ]
    )
    assert person.display_name(outlet) == "Governor Lina Varga"
    (untitled,) = merge_people([mention(1, "Tomas Ekdal", "head of the Orlaska delegation")])
    assert untitled.display_name(outlet) == "Tomas Ekdal"
