"""Fixtures of the engine's tests that watch what is kept between briefings."""

from __future__ import annotations

from collections import Counter

import pytest

from briefings.brief import compose, material


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Counter[int]:
    """How many times each event is read from the store (by id)."""
    counted: Counter[int] = Counter()
    read_event = material.read_event

    def counting(store, event):  # type: ignore[no-untyped-def]
        counted[event.id] += 1
        return read_event(store, event)

    monkeypatch.setattr(material, "read_event", counting)
    monkeypatch.setattr(compose, "read_event", counting)
    return counted
