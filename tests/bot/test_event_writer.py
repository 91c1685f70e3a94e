"""The state file under another program's write lock: bounded writes, free reads, and the background event writer.

The lock is held as a backup or a `sqlite3` shell would hold it: another connection's
BEGIN IMMEDIATE on the real state file.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from pathlib import Path
from typing import Callable, Iterator

import pytest

from bot.core import engagement as events
from bot.core.engagement import EngagementEvent
from bot.datadir import DataDir
from bot.state import State
from bot.state.db import WriteLockBusy
from bot.state.event_writer import EventWriter


@pytest.fixture
def store(tmp_path: Path) -> Iterator[State]:
    """A fresh state file in a temporary data dir."""
    state = State.open(DataDir(tmp_path).state)
    yield state
    state.close()


@contextlib.contextmanager
def held(path: Path) -> Iterator[None]:
    """Hold the file's write lock from another connection for the block."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def search(n: int) -> EngagementEvent:
    """Return the n-th search event."""
    return EngagementEvent(events.SEARCH, 7, 1, ("p-a",), f"query {n}")


def eventually(condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    """Wait for something the writer's thread does."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def stored_queries(store: State) -> list[str | None]:
    return [e.query for e in store.events.read()]


def test_a_write_gives_up_on_a_held_lock_while_reads_go_on(store: State, tmp_path: Path) -> None:
    store.servers.set_private_results(1, True)
    with held(DataDir(tmp_path).state):
        with pytest.raises(WriteLockBusy):
            store.servers.set_private_results(2, True)
        with pytest.raises(WriteLockBusy):  # known held: the next write looks only briefly
            store.servers.set_private_results(2, True)
        assert store.servers.get(1) is not None and store.servers.get(1).private_results  # reads never wait
        assert store.servers.get(2) is None
    assert store.servers.set_private_results(2, True).private_results  # writable again once released


def test_reads_are_not_held_up_by_a_write_waiting_for_the_lock(store: State, tmp_path: Path) -> None:
    store.servers.set_private_results(1, True)
    outcome: list[str] = []
    with held(DataDir(tmp_path).state):
        waiting = threading.Thread(target=lambda: outcome.append(_try_write(store)))
        waiting.start()
        eventually(lambda: store.db._waiting_since is not None, "the write to wait for the lock")
        # Before the fix reads shared the writing connection and its lock, held by the waiting write.
        seen = [store.servers.get(1) for _ in range(20)]
        still_waiting = waiting.is_alive()
        waiting.join()
    assert still_waiting and all(s is not None and s.private_results for s in seen)
    assert outcome == ["busy"]


def _try_write(store: State) -> str:
    try:
        store.servers.set_private_results(3, True)
    except WriteLockBusy:
        return "busy"
    return "written"


def test_writer_stores_events_and_close_flushes_them(store: State) -> None:
    writer = EventWriter(store.events)
    for n in range(5):
        writer.record(search(n))
    writer.close()
    assert stored_queries(store) == [f"query {n}" for n in range(5)]
    assert (writer.written, writer.dropped) == (5, 0)
    writer.record(search(5))  # after close: counted, not raised
    assert writer.dropped == 1


def test_under_a_held_lock_events_wait_or_are_dropped_then_are_written_again(store: State, tmp_path: Path) -> None:
    writer = EventWriter(store.events, capacity=1, retry_pause=0.05)
    try:
        with held(DataDir(tmp_path).state):
            for n in range(10):
                writer.record(search(n))  # returns at once: the caller may be the event loop
            assert writer.dropped > 0  # a full queue drops, and counts
            assert stored_queries(store) == []
        eventually(lambda: writer.written + writer.dropped == 10, "the kept events to be written")
        assert len(stored_queries(store)) == writer.written > 0
        writer.record(search(10))
        eventually(lambda: "query 10" in stored_queries(store), "a later event to be written")
    finally:
        writer.close()


def test_close_under_a_held_lock_gives_up_and_counts_what_it_dropped(store: State, tmp_path: Path) -> None:
    writer = EventWriter(store.events, retry_pause=0.05)
    with held(DataDir(tmp_path).state):
        for n in range(3):
            writer.record(search(n))
        writer.close(wait=0.2)
        assert (writer.written, writer.dropped) == (0, 3)
    assert stored_queries(store) == []
