"""Resolving a growing set of names without joining its full names again each time.

``person_map`` grows the set of names an ingest must resolve until it stops changing, and
resolved the whole set at each round: thousands of names (the people a one-word name may
stand for, and their spellings) were resolved seven times over to settle a few. Most of
that is the first step of ``identity.resolve_people``, joining full names whose surnames
are spellings of one another (``join_full_names``). That step can be cut into *blocks*:
full names whose surnames are linked by close spellings (the same first letter and
consonant skeleton, or a typo apart: ``TYPO_RATIO``), in turn. Here each block is joined
once, and again only when it gains a name; the steps that follow (``name_persons``), cheap,
run over the whole set each time.

Why joining the blocks apart gives what joining the whole set gives:

- two full names are compared only when their surnames are a spelling pair
  (``identity._spelling_pairs``): such surnames are in one block;
- of a surname's close spellings, at most ``MAX_SPELLINGS`` are kept, the closest first:
  all those within ``TYPO_RATIO`` of it are in its block, the others fall below that
  cut-off anyway, and a block lists them in the order the whole set does (the order of
  each one's first name by key), so the same are kept;
- a person's first spelling, which names it in the result, is one of its own names.

``tests/briefings/test_name_blocks.py`` checks it against ``resolve_people``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

from rapidfuzz import fuzz, process

from briefings.index.identity import (
    TYPO_RATIO,
    NameEvidence,
    join_full_names,
    join_full_names_again,
    name_persons,
    skeleton,
)

StoredJoins = Callable[[Sequence[frozenset[str]]], dict[frozenset[str], dict[str, str]]]
"""Blocks → what joining those of them that did not change gives, as stored."""
GrownJoins = Callable[[frozenset[str]], tuple[dict[str, str], set[str]] | None]
"""A block that changed → how its names were joined before, as stored, and the names whose
evidence grew since (``identity.join_full_names_again``); None when it cannot be joined
so (a name taken back or a surname come or gone, or a name not stored)."""


class BlockResolver:
    """``resolve_people`` over growing sets of names whose evidence does not change (one
    ingest's): each block of full names is joined once, and again when it gains a name.

    ``block_of`` (a surname → its block's name), when given, names the blocks of the whole
    corpus: the names given are cut along them (a block of the corpus that is only partly
    given holds whole blocks of the names given: joined together, they join as apart).
    ``stored`` gives the joins of blocks that did not change since they were stored;
    ``grown``, of those that did only as articles came (joined again through the names
    that changed only)."""

    def __init__(
        self,
        block_of: Callable[[str], str] | None = None,
        stored: StoredJoins | None = None,
        grown: GrownJoins | None = None,
    ) -> None:
        self._block_of = block_of
        self._stored = stored
        self._grown = grown
        self._joined: dict[frozenset[str], dict[str, str]] = {}
        self.joined_anew: dict[frozenset[str], dict[str, str]] = {}
        """The blocks joined here rather than read as stored."""
        self._close: dict[str, set[str]] = {}
        """surname → the surnames of the same initial a typo apart, among those seen."""
        self._by_initial: dict[str, list[str]] = defaultdict(list)

    def resolve(self, names: Iterable[NameEvidence]) -> dict[str, str]:
        evidence = {n.key: n for n in names if n.core}
        full = [n for n in evidence.values() if len(n.core) > 1]
        blocks = self.blocks(full)
        new = [b for b in blocks if b not in self._joined]
        if new and self._stored is not None:
            self._joined.update(self._stored(new))
        joined: dict[str, str] = {}
        for block in blocks:
            if block not in self._joined:
                before = None if self._grown is None else self._grown(block)
                block_names = (evidence[k] for k in block)
                if before is None:
                    self._joined[block] = join_full_names(block_names)
                else:
                    self._joined[block] = join_full_names_again(block_names, *before)
                self.joined_anew[block] = self._joined[block]
            joined.update(self._joined[block])
        return name_persons(evidence.values(), joined)

    def blocks(self, full: Iterable[NameEvidence]) -> list[frozenset[str]]:
        """The full names, cut into blocks (see the module docstring)."""
        if self._block_of is not None:
            named: dict[str, set[str]] = defaultdict(set)
            for n in full:
                named[self._block_of(n.core[-1])].add(n.key)
            return [frozenset(keys) for keys in named.values()]
        by_surname: dict[str, list[str]] = defaultdict(list)
        for n in full:
            by_surname[n.core[-1]].append(n.key)
        surnames = set(by_surname)
        self._learn(surnames)
        parent = {s: s for s in surnames}

        def find(x: str) -> str:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        by_bones: dict[str, list[str]] = defaultdict(list)
        for surname in surnames:
            by_bones[surname[0] + skeleton(surname)].append(surname)
        links = [(group[0], other) for group in by_bones.values() for other in group[1:]]
        links += [(s, o) for s in surnames for o in self._close[s] if o in parent]
        for a, b in links:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[rb] = ra
        blocks: dict[str, set[str]] = defaultdict(set)
        for surname, keys in by_surname.items():
            blocks[find(surname)].update(keys)
        return [frozenset(keys) for keys in blocks.values()]

    def _learn(self, surnames: set[str]) -> None:
        """Find the close spellings of surnames not seen before, and add them to those of
        the surnames seen before (the ratio is symmetric)."""
        new = sorted(s for s in surnames if s not in self._close)
        for surname in new:
            self._by_initial[surname[0]].append(surname)
            self._close[surname] = set()
        for surname in new:
            if len(surname) < 5:
                continue  # too short for a typo to be told from another name
            found = process.extract(
                surname,
                self._by_initial[surname[0]],
                scorer=fuzz.ratio,
                score_cutoff=TYPO_RATIO,
                limit=None,
            )
            for other, _, _ in found:
                if len(other) >= 5:
                    self._close[surname].add(other)
                    self._close[other].add(surname)
