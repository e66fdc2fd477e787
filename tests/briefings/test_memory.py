"""The collector settles after an ingest and waits while grouping walks."""

import gc
import weakref

import pytest

from briefings import memory


@pytest.fixture
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_paused_turns_the_collector_off_and_back_on(collector_on):
    with memory.paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_paused_gives_the_collector_back_after_an_error(collector_on):
    with pytest.raises(ValueError), memory.paused():
        raise ValueError("a walk that fails")
    assert gc.isenabled()


def test_paused_inside_paused_leaves_it_off_until_the_outer_ends(collector_on):
    with memory.paused():
        with memory.paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_turned_off_before_stays_off(collector_on):
    gc.disable()
    with memory.paused():
        pass
    assert not gc.isenabled()


def test_settle_frees_cycles_and_freezes_what_lives(collector_on):
    class Node:
        pass

    kept = Node()
    cycle = Node()
    cycle.self = cycle  # type: ignore[attr-defined]
    gone = weakref.ref(cycle)
    del cycle
    try:
        with memory.paused():  # no collection may free it before settle does
            memory.settle()
        assert gone() is None
        assert gc.get_freeze_count() > 0
        assert gc.is_tracked(kept)
    finally:
        gc.unfreeze()


def test_a_cycle_settled_before_waits_until_the_process_holds_more(collector_on, monkeypatch):
    """A settle looks only at what was made since the last one (adding a feed's article
    leaves little else), until the process holds FULL_SETTLE_GROWTH more than after the last
    full settle: then a cycle settled before and dropped since is freed."""

    class Node:
        pass

    holder = [Node()]
    holder[0].self = holder[0]  # type: ignore[attr-defined]
    gone = weakref.ref(holder[0])
    try:
        monkeypatch.setattr(memory, "_held_after_full", 0)
        memory.settle()  # the first is full: the cycle lives on, frozen
        holder.clear()  # garbage now, among what was settled
        memory.settle()
        assert gone() is not None
        monkeypatch.setattr(memory, "FULL_SETTLE_GROWTH", 0.0)
        more = [Node() for _ in range(100)]
        memory.settle()
        assert gone() is None and all(gc.is_tracked(n) for n in more)
    finally:
        gc.unfreeze()


def test_a_walk_leaves_nothing_for_the_collector(tmp_path):
    """Placing articles frees the walk's groups and reports as it ends, without a collection:
    they read their reports through the walk, a cycle that would otherwise wait for one."""
    from pathlib import Path

    from briefings.engine import Engine
    from briefings.index import event_replay

    seeds = sorted((Path(__file__).resolve().parents[2] / "seeds").glob("*.txt"))
    with Engine(tmp_path / "walk.db") as engine:
        engine.ingest(seeds)
        ids = [a.id for a in engine.articles()]
        was = gc.isenabled()
        gc.disable()
        try:
            gc.collect()
            event_replay.place(engine.store, ids[-1:])
            left = [o for o in gc.get_objects() if isinstance(o, event_replay.Placement)]
        finally:
            if was:
                gc.enable()
    assert not left
