"""An undated report is scored against a changed dated group only if it names one of the
persons ``Placement._principals_ever`` gives: every principal the group has at any step of
the walk must be among them (else a report that could take it would be left as it was)."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest

from briefings.index.event_replay import Placement
from briefings.index.events import _Group, _principals
from tests.briefings.test_incremental_events import _ingest_in_steps, _news_corpus


@pytest.mark.parametrize("seed", range(2))
def test_the_principals_looked_for_hold_those_of_every_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    files = _news_corpus(tmp_path / "corpus", 300)
    random.Random(seed).shuffle(files)
    shifted = 0
    joined_state = Placement._joined_state

    def checked(self: Placement, founder: int, step: int) -> _Group | None:
        nonlocal shifted
        group = joined_state(self, founder, step)
        if group is not None and not self.full:
            ever = self._principals_ever(founder)
            assert group.principals <= ever, (founder, step)
            dated = _principals(Counter(self.state.summaries([founder])[founder].prominent))
            shifted += bool(group.principals - dated)
        return group

    monkeypatch.setattr(Placement, "_joined_state", checked)
    _ingest_in_steps(tmp_path / "steps.db", files, 5, 40)
    assert shifted  # some groups' undated members made others their principals
