"""The name indexes find every close spelling a comparison of all surnames would find."""

from __future__ import annotations

import random
import sqlite3

from rapidfuzz import fuzz

from briefings.index import person_map
from briefings.index.identity import TYPO_RATIO, skeleton
from briefings.index.name_families import Families


def _surnames(rng: random.Random, count: int) -> list[str]:
    """Surnames of many lengths, some a letter or two from others."""
    letters = "abdeikmnoprstuvz"
    found = {"".join(rng.choice(letters) for _ in range(rng.randint(3, 14))) for _ in range(count)}
    for word in list(found):
        at = rng.randrange(len(word))
        found.add(word[:at] + rng.choice(letters) + word[at:])  # one letter more
        found.add(word[:at] + word[at + 1 :])  # one letter less
    return sorted(w for w in found if len(w) >= 2)


def _families(surnames: list[str], rng: random.Random) -> Families:
    conn = sqlite3.connect(":memory:")
    conn.executescript(person_map.SCHEMA)
    for surname in surnames:
        full = rng.random() < 0.7
        key = f"ann {surname}" if full else surname
        conn.execute(
            "INSERT INTO name_stats (key, surname, first, core_len, bones, first_article, "
            "articles, strong, evidence) VALUES (?, ?, ?, ?, ?, 0, 1, 1, '{}')",
            [
                key,
                surname,
                "ann" if full else surname,
                2 if full else 1,
                surname[0] + skeleton(surname),
            ],
        )
    return Families(conn)


def test_close_spellings_are_those_every_surname_compared_gives() -> None:
    rng = random.Random(5)
    surnames = _surnames(rng, 400)
    families = _families(surnames, rng)
    full = {
        r[0] for r in families.conn.execute("SELECT surname FROM name_stats WHERE core_len > 1")
    }
    for word in rng.sample(surnames, 200):
        for names in ("full", "single"):
            known = full if names == "full" else set(surnames) - full
            expected = {
                s
                for s in known
                if s[0] + skeleton(s) == word[0] + skeleton(word)
                or (
                    len(word) >= 5
                    and len(s) >= 5
                    and s[0] == word[0]
                    and fuzz.ratio(word, s) >= TYPO_RATIO
                )
            }
            assert families._close_spellings(word, names=names) == expected, word


def _add_full_name(conn: sqlite3.Connection, key: str) -> None:
    surname = key.split()[-1]
    conn.execute(
        "INSERT INTO name_stats (key, surname, first, core_len, bones, first_article, "
        "articles, strong, evidence) VALUES (?, ?, ?, 2, ?, 0, 1, 1, '{}')",
        [key, surname, key.split()[0], surname[0] + skeleton(surname)],
    )


def test_kept_blocks_follow_the_surnames_that_come_and_go() -> None:
    """A block kept by one ingest is read by the next, unless a surname that came or went
    may have changed it: a new close spelling joins the block, and a block held together by
    a surname that went falls apart."""
    conn = sqlite3.connect(":memory:")
    conn.executescript(person_map.SCHEMA)
    for key in ("ann petrenko", "ivan kovalenko", "li wei"):
        _add_full_name(conn, key)
    assert Families(conn)._block("petrenko") == {"petrenko"}
    assert conn.execute("SELECT surname, block FROM surname_blocks").fetchall() == [
        ("petrenko", "petrenko")
    ]

    # A typo of it comes: the kept block is let go and walked again.
    _add_full_name(conn, "ann petrenkko")
    families = Families(conn)
    families.forget_blocks(["ann petrenkko"])
    assert families._block("petrenko") == {"petrenko", "petrenkko"}
    assert Families(conn)._block("petrenkko") == {"petrenko", "petrenkko"}  # read as kept

    # Another name of a surname given already changes no block: it is kept.
    _add_full_name(conn, "ivan petrenko")
    Families(conn).forget_blocks(["ivan petrenko"])
    assert set(conn.execute("SELECT surname, block FROM surname_blocks")) >= {
        ("petrenko", "petrenkko"),
        ("petrenkko", "petrenkko"),
    }

    # A surname between two others goes: their block falls apart.
    for key in ("ann marinescu", "ann marinescuta", "ann marinescutana"):
        _add_full_name(conn, key)
    families = Families(conn)
    families.forget_blocks(["ann marinescuta"])
    whole = {"marinescu", "marinescuta", "marinescutana"}
    assert families._block("marinescu") == whole
    conn.execute("DELETE FROM name_stats WHERE key = 'ann marinescuta'")
    families = Families(conn)
    families.forget_blocks(["ann marinescuta"])
    assert families._block("marinescu") == {"marinescu"}
    assert Families(conn)._block("marinescutana") == {"marinescutana"}
