"""`kill -9` at each step of writing a segmented index: searchable at once, and complete after the command is run again.

Real `paperscout` processes over a copy of the embedded shipped corpus. An ingest of a few
papers writes the papers, their vectors (Chroma), then the vector segment; BM25's whole file
and the vector base keep their bytes (the difference is small). `reindex --compact` then
writes BM25 whole, the vector base whole, and removes the segment. A process killed after
each of those writes (corpus/failpoints.py) leaves an index another process searches, with
every paper found after the same command is run again.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval.vector_cache import segment_path
from tests.test_corpus_processes import SHIPPED, data_dir, jsonl, run, stats  # noqa: F401 (data_dir: a fixture)

NEW = 8
TITLES = {f"Sparse Graph Method Number {n}" for n in range(NEW)}


def _whole_files(data_dir: Path) -> tuple[bytes, bytes]:
    return (data_dir / "vectors.npz").read_bytes(), (data_dir / "bm25.npz").read_bytes()


def _finds_the_new_papers(data_dir: Path) -> None:
    done = run(data_dir, "search", "sparse graphs method handles kind", "-k", str(NEW), "--json")
    assert done.returncode == 0, done.stderr
    assert {hit["title"] for hit in json.loads(done.stdout)} == TITLES


def _complete(data_dir: Path) -> None:
    end = stats(data_dir)
    assert end["papers"] == end["indexed"] == SHIPPED + NEW


@pytest.mark.parametrize("point", ["store-committed", "vectors-written:1", "vector-segment-written"])
def test_an_ingest_killed_at_each_step_writes_a_segment_when_run_again(data_dir: Path, tmp_path: Path, point: str) -> None:
    whole = _whole_files(data_dir)
    papers = jsonl(tmp_path / "new.jsonl", 0, NEW)
    crashed = run(data_dir, "ingest", str(papers), PAPERSCOUT_CRASH_AT=point)
    assert crashed.returncode == -9, crashed.stderr
    # The last good state is searchable (a search brings the index up to date by difference).
    assert run(data_dir, "search", "optimal transport", "--json").returncode == 0

    again = run(data_dir, "ingest", str(papers))
    assert again.returncode == 0, again.stderr
    _complete(data_dir)
    _finds_the_new_papers(data_dir)
    # Growth without rewriting: the whole files are as before, the difference is in the segment.
    assert _whole_files(data_dir) == whole
    assert segment_path(data_dir / "vectors.npz").exists()


@pytest.mark.parametrize("point", ["bm25-written", "vector-base-written"])
def test_a_compaction_killed_at_each_step_is_finished_by_running_it_again(data_dir: Path, tmp_path: Path, point: str) -> None:
    whole = _whole_files(data_dir)
    assert run(data_dir, "ingest", str(jsonl(tmp_path / "new.jsonl", 0, NEW))).returncode == 0
    crashed = run(data_dir, "reindex", "--compact", PAPERSCOUT_CRASH_AT=point)
    assert crashed.returncode == -9, crashed.stderr
    _finds_the_new_papers(data_dir)

    again = run(data_dir, "reindex", "--compact")
    assert again.returncode == 0, again.stderr
    assert "embedded 0 papers" in again.stdout
    _complete(data_dir)
    _finds_the_new_papers(data_dir)
    assert not segment_path(data_dir / "vectors.npz").exists()
    vectors, bm25 = _whole_files(data_dir)
    assert vectors != whole[0] and bm25 != whole[1]
