"""`paperscout ingest` says truly why papers it did not bring were embedded: a first index, or an interrupted run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.datadir import DataDir
from bot.services import open_store
from corpus.records import Candidate
from tests.test_vector_reconcile import HashEncoder

SHIPPED = 440


@pytest.fixture
def fresh_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty PAPERSCOUT_DATA_DIR, as on a first run; indexing uses the fast fake encoder."""
    target = tmp_path / "fresh"
    monkeypatch.setenv("PAPERSCOUT_DATA_DIR", str(target))
    monkeypatch.setattr("bot.services.MiniLMEncoder", HashEncoder)
    return target


def jsonl(path: Path, title: str) -> Path:
    """Write a one-paper JSONL file."""
    path.write_text(json.dumps({"title": title, "abstract": f"We study {title.lower()} in depth."}) + "\n", encoding="utf-8")
    return path


def test_first_ingest_says_the_shipped_papers_were_never_indexed(fresh_dir: Path, tmp_path: Path, capsys) -> None:
    assert main(["ingest", str(jsonl(tmp_path / "one.jsonl", "Sinkhorn Goes Brrr"))]) == 0
    out = capsys.readouterr().out
    assert f"added 1, updated 0, unchanged 0; corpus holds {SHIPPED + 1} papers; embedded {SHIPPED + 1} papers" in out
    assert f"{SHIPPED} of them never indexed before (the first index of this data directory)" in out
    assert "interrupted" not in out

    # A run that stored a paper and stopped before indexing it: that one is a leftover, and said so.
    store = open_store(DataDir(fresh_dir))
    try:
        store.add([Candidate("Stopped Before Indexing", "A paper stored by a run killed before it indexed.", "test", 1)])
    finally:
        store.close()
    assert main(["ingest", str(jsonl(tmp_path / "two.jsonl", "Optimal Transport Again"))]) == 0
    out = capsys.readouterr().out
    assert "embedded 2 papers; 1 of them left unindexed by an earlier, interrupted run" in out
    assert "never indexed" not in out

    # Nothing left over: no explanation at all.
    assert main(["ingest", str(jsonl(tmp_path / "three.jsonl", "Yet Another Paper"))]) == 0
    out = capsys.readouterr().out
    assert out.rstrip().endswith("embedded 1 papers")
