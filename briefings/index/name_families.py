"""Which names an ingest must resolve again, found through the name indexes.

``identity.resolve_people`` decides who is who in three steps: full names whose surnames
are spellings of one another join (*blocks*: surnames linked by close spellings, in turn);
each one-word name then joins the most reported person among the full names that give it
as surname, else as first word, else inside, else whose surname it may spell; and each
person is named by its fullest spelling. So when what the corpus says of some names
changes, only these may come to stand for another person (the *targets*):

- the full names of their blocks;
- the one-word names that may stand for those: one of their words, or a spelling of their
  surname;
- the names of a person a target joins or leaves, or one of whose names' evidence changed
  (as it is and as it was: its spelling and anchor may change with its names); a person
  that no target joins or leaves, none of whose names changed, stays as it was.

Resolving the targets exactly needs, besides them, the persons a target one-word name may
join: the full names it may join and their blocks (the *context*; resolved, not written).
What the context resolves to alone may differ from what it stands for in the corpus (some
one-word names of its persons are left out), which is why it is not written. When articles
were only added, no person's count shrinks, and the context of most one-word names is only
the person each stood for (``person_map._Narrowing``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from typing import Literal

from rapidfuzz import fuzz, process

from briefings.index.identity import TYPO_RATIO, core_tokens, skeleton

Narrowing = Callable[[str, set[str]], set[str]]
"""A one-word name and the full names it may join by one of their words → those of them
to weigh besides the targets."""


_Names = Literal["full", "single"]
"""Full names, or one-word names."""
_CORE_LENGTHS: dict[_Names, str] = {"full": "core_len > 1", "single": "core_len = 1"}


def is_full(key: str) -> bool:
    return len(core_tokens(key)) > 1


class Families:
    """The targets and the context of changed names (see the module docstring)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._by_initial: dict[str, dict[int, list[str]]] = {}
        """An initial (and whether of full names only) → its surnames by length."""
        self._near_length: dict[tuple[str, int], list[str]] = {}
        self._blocks: dict[str, set[str]] = {}
        """surname → the surnames of its block."""
        # The names do not change while an ingest resolves them, and it asks again of the
        # same words and blocks as its targets grow: each is looked up once.
        self._joinable_by_word: dict[str, tuple[bool, set[str]]] = {}
        self._block_keys: dict[str, set[str]] = {}
        self._block_name: dict[str, str] = {}
        """A block's least surname → its full names."""
        self._walked: set[str] = set()
        """The surnames whose blocks were walked here, not read as kept."""

    def targets_of(self, keys: Iterable[str]) -> set[str]:
        """The names whose person may change when what the corpus says of these changes
        (the last rule of the module docstring is the caller's, once resolved)."""
        keys = {k for k in keys if core_tokens(k)}
        full = self.blocks({k for k in keys if is_full(k)})
        return keys | full | self.singles_for(full)

    def context_of(self, targets: Iterable[str], narrow: Narrowing | None = None) -> set[str]:
        """The full names the one-word targets may join, with their blocks. ``narrow``
        (a one-word target and the full names it may join by one of their words → those
        of them to weigh) leaves out those that cannot win it (see ``person_map``)."""
        joined: set[str] = set()
        for key in sorted(k for k in targets if not is_full(k)):
            by_word, names = self._joinable(core_tokens(key)[0])
            joined |= narrow(key, names) if narrow is not None and by_word else names
        return self.blocks(joined)

    def blocks(self, full: Iterable[str]) -> set[str]:
        """The full names whose surnames are linked to these names' by close spellings."""
        full = list(full)
        self._read_blocks(core_tokens(key)[-1] for key in full)
        blocks: dict[str, set[str]] = {}
        for key in full:
            block = self._block(core_tokens(key)[-1])
            blocks.setdefault(min(block), block)
        new = [b for b in blocks if b not in self._block_keys]
        if new:
            found = self._surname_keys(set().union(*(blocks[b] for b in new)))
            for b in new:
                self._block_keys[b] = set().union(*(found.get(s, ()) for s in blocks[b]))
        return set().union(*(self._block_keys[b] for b in blocks))

    def is_whole(self, keys: frozenset[str]) -> bool:
        """Whether these full names (of one block) are all those of their block, as
        ``blocks`` has looked them up."""
        name = self.block_of(core_tokens(next(iter(keys)))[-1])
        return frozenset(self._block_keys.get(name, ())) == keys

    def _surname_keys(self, surnames: set[str]) -> dict[str, set[str]]:
        """Surname → the full names that have it."""
        found: dict[str, set[str]] = {}
        rows = self.conn.execute(
            "SELECT surname, key FROM name_stats WHERE surname IN (SELECT value FROM json_each(?)) "
            "AND core_len > 1",
            [json.dumps(sorted(surnames))],
        )
        for surname, key in rows:
            found.setdefault(surname, set()).add(key)
        return found

    def singles_for(self, full: Iterable[str]) -> set[str]:
        """One-word names that may stand for these full names: one of their words, or a
        spelling of their surname."""
        words: set[str] = set()
        surnames: set[str] = set()
        for key in full:
            core = core_tokens(key)
            words.update(core)
            surnames.add(core[-1])
        close = set().union(*(self._close_spellings(s, names="single") for s in surnames))
        return self._keys("surname", words | close, names="single")

    def _joinable(self, word: str) -> tuple[bool, set[str]]:
        """The full names a one-word name may join (``resolve_people``'s order), and whether
        by one of their words (else by a close spelling of their surname)."""
        if word not in self._joinable_by_word:
            self._joinable_by_word[word] = self._joinable_now(word)
        return self._joinable_by_word[word]

    def _joinable_now(self, word: str) -> tuple[bool, set[str]]:
        for column in ("surname", "first"):
            found = self._keys(column, {word}, names="full")
            if found:
                return True, found
        inside = {
            r[0] for r in self.conn.execute("SELECT key FROM name_middles WHERE token = ?", [word])
        }
        if inside:
            return True, inside
        return False, self._keys("surname", self._close_spellings(word, names="full"), names="full")

    def block_of(self, surname: str) -> str:
        """The name of a surname's block: its least surname."""
        block = self._block(surname)
        if surname not in self._block_name:
            least = min(block)
            for word in block:
                self._block_name[word] = least
        return self._block_name[surname]

    def _block(self, surname: str) -> set[str]:
        if surname not in self._blocks:
            self._read_blocks([surname])
        if surname not in self._blocks:
            self._walk_and_keep(surname)
        return self._blocks[surname]

    def keep_every_block(self) -> None:
        """Work out and keep the block of every surname a full name gives (with the corpus
        resolved from nothing, which keeps none)."""
        for (surname,) in self.conn.execute(
            "SELECT DISTINCT surname FROM name_stats WHERE core_len > 1"
        ).fetchall():
            if surname not in self._blocks:
                self._walk_and_keep(surname)

    def kept_as_read(self, block: frozenset[str]) -> bool:
        """Whether these full names' block was read as kept, not walked here: then its
        surnames are those it had when kept (``forget_blocks`` lets go of any other)."""
        return all(core_tokens(k)[-1] not in self._walked for k in block)

    def _walk_and_keep(self, surname: str) -> None:
        block, given = self._walk_block(surname)
        self._walked |= block
        for word in block:
            self._blocks[word] = block
        if given:  # (a surname no full name gives any more only links its old block's)
            least = min(block)
            self.conn.executemany(
                "INSERT OR REPLACE INTO surname_blocks (surname, block) VALUES (?, ?)",
                [(word, least) for word in block],
            )

    def _walk_block(self, surname: str) -> tuple[set[str], bool]:
        """A surname's block, from close spelling to close spelling; and whether a full
        name gives the surname (each other surname of the block is one that does)."""
        block: set[str] = set()
        given = False
        queue = [surname]
        while queue:
            word = queue.pop()
            if word not in block:
                block.add(word)
                close = self._close_spellings(word, names="full")
                given = given or (word == surname and surname in close)
                queue += close - block
        return block, given

    def _read_blocks(self, surnames: Iterable[str]) -> None:
        """The blocks of these surnames as kept (``surname_blocks``), where they are."""
        wanted = sorted({s for s in surnames if s not in self._blocks})
        if not wanted:
            return
        found: dict[str, set[str]] = {}
        rows = self.conn.execute(
            "SELECT s.block, b.surname FROM surname_blocks s "
            "JOIN surname_blocks b ON b.block = s.block "
            "WHERE s.surname IN (SELECT value FROM json_each(?))",
            [json.dumps(wanted)],
        )
        for name, word in rows:
            found.setdefault(name, set()).add(word)
        for block in found.values():
            for word in block:
                self._blocks[word] = block

    def forget_blocks(self, keys: Iterable[str]) -> None:
        """Let go of the kept blocks these full names' changes may have changed: a surname
        that comes links its close spellings' blocks, and one that goes may split its own
        (called once the names are counted, before any block is asked for)."""
        surnames = {core_tokens(k)[-1] for k in keys if is_full(k)}
        # Blocks are made of the surnames full names give: a surname given before (kept in a
        # block: only given ones are) and given still changes none, whatever its names say.
        # A surname that stops being given has a name gone, and so comes here to be let go.
        listed = json.dumps(sorted(surnames))
        kept_and_given = {
            r[0]
            for r in self.conn.execute(
                "SELECT surname FROM surname_blocks WHERE surname IN (SELECT value FROM json_each(?)) "
                "AND EXISTS (SELECT 1 FROM name_stats n WHERE n.surname = surname_blocks.surname "
                "AND n.core_len > 1)",
                [listed],
            )
        }
        surnames -= kept_and_given
        near = set(surnames)
        for surname in surnames:
            near |= self._close_spellings(surname, names="full")
        if near:
            self.conn.execute(
                "DELETE FROM surname_blocks WHERE block IN (SELECT block FROM surname_blocks "
                "WHERE surname IN (SELECT value FROM json_each(?)))",
                [json.dumps(sorted(near))],
            )

    def _typo_candidates(self, word: str, names: _Names) -> list[str]:
        """Surnames of five letters or more with the word's initial and a length that lets
        them be within ``TYPO_RATIO`` of it (``fuzz.ratio`` is at most 100 * (1 - d / n) for
        lengths d apart and n in all): rapidfuzz then compares a few hundred, not thousands."""
        cache = word[0] + names
        by_length = self._by_initial.get(cache)
        if by_length is None:
            by_length = self._by_initial[cache] = {}
            for (surname,) in self.conn.execute(
                "SELECT DISTINCT surname FROM name_stats WHERE surname >= ? AND surname < ? "
                f"AND length(surname) >= 5 AND {_CORE_LENGTHS[names]}",
                [word[0], chr(ord(word[0]) + 1)],
            ):
                by_length.setdefault(len(surname), []).append(surname)
        size = len(word)
        key = (cache, size)
        if key not in self._near_length:
            self._near_length[key] = [
                s
                for other, surnames in sorted(by_length.items())
                if 100 * abs(size - other) <= (100 - TYPO_RATIO) * (size + other)
                for s in surnames
            ]
        return self._near_length[key]

    def _keys(self, column: str, values: set[str], *, names: _Names) -> set[str]:
        """The full names (``names`` "full"), or the one-word names ("single"), whose
        ``column`` is one of the values."""
        if not values:
            return set()
        sql = (
            f"SELECT key FROM name_stats WHERE {column} IN (SELECT value FROM json_each(?)) "
            f"AND {_CORE_LENGTHS[names]}"
        )
        return {r[0] for r in self.conn.execute(sql, [json.dumps(sorted(values))])}

    def _close_spellings(self, word: str, *, names: _Names) -> set[str]:
        """The surnames of full names (``names`` "full"), or the one-word names ("single"),
        that may spell the word: the same consonants, or a typo apart."""
        found = {
            r[0]
            for r in self.conn.execute(
                f"SELECT DISTINCT surname FROM name_stats WHERE bones = ? AND {_CORE_LENGTHS[names]}",
                [word[0] + skeleton(word)],
            )
        }
        if len(word) >= 5:
            found |= {
                s
                for s, _, _ in process.extract(
                    word,
                    self._typo_candidates(word, names),
                    scorer=fuzz.ratio,
                    score_cutoff=TYPO_RATIO,
                    limit=None,
                )
            }
        return found
