"""The corpus under real processes: concurrent ingests, `kill -9` at several points, damaged vectors.

Every scenario runs `paperscout` as separate processes over a copy of the embedded shipped
corpus (440 papers) and checks the end state through `paperscout stats --json`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from corpus.ingest import open_corpus, read_jsonl

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = 440
ADDED = 80
CHUNK = 32  # retrieval.vectors.CHUNK: papers embedded and written together


def jsonl(path: Path, start: int, count: int = ADDED) -> Path:
    """Write `count` distinct papers (five-sentence abstracts, so each has window vectors too)."""
    lines = []
    for n in range(start, start + count):
        abstract = " ".join(
            f"Sentence {i} explains how method {n} handles sparse graphs of kind {i}." for i in range(5)
        )
        lines.append(json.dumps({"title": f"Sparse Graph Method Number {n}", "abstract": abstract}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def env_for(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAPERSCOUT_", "DISCORD_"))}
    env.update(PAPERSCOUT_DATA_DIR=str(data_dir), HF_HUB_OFFLINE="1", PYTHONPATH=str(ROOT), **extra)
    return env


def command(*args: str) -> list[str]:
    return [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main(sys.argv[1:]))", *args]


def run(data_dir: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    # cwd is the data dir's parent, so no developer's .env leaks in.
    return subprocess.run(
        command(*args), cwd=data_dir.parent, env=env_for(data_dir, **extra), capture_output=True, text=True, timeout=600
    )


def stats(data_dir: Path) -> dict:
    done = run(data_dir, "stats", "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def data_dir(tmp_path: Path, shipped_data_dir: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(shipped_data_dir, target)
    return target


def test_two_ingests_at_once_lose_nothing(data_dir: Path, tmp_path: Path) -> None:
    a, b = jsonl(tmp_path / "a.jsonl", 0), jsonl(tmp_path / "b.jsonl", 1000)
    procs = [
        subprocess.Popen(
            command("ingest", str(path)), cwd=tmp_path, env=env_for(data_dir),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for path in (a, b)
    ]
    outputs = [proc.communicate(timeout=600) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], outputs
    for out, _ in outputs:
        assert f"added {ADDED}, updated 0, unchanged 0" in out
    after = stats(data_dir)
    assert after["papers"] == after["indexed"] == SHIPPED + 2 * ADDED
    store = open_corpus(data_dir / "corpus.sqlite3", readonly=True)
    titles = [p.title for p in store.papers()]
    assert len(titles) == len(set(titles)) == SHIPPED + 2 * ADDED


@pytest.mark.parametrize(
    ("point", "indexed_after_crash", "embedded_on_rerun"),
    [
        # Killed right after the papers were committed, before any vector was written.
        ("store-committed", SHIPPED, ADDED),
        # Killed while embedding the second chunk: the first chunk's vectors are stored and recorded.
        ("embedding:2", SHIPPED + CHUNK, ADDED - CHUNK),
        # Killed between two vector writes, after the second chunk was written but before it was recorded:
        # the re-run finds those vectors complete in the vector store and does not embed them again.
        ("vectors-written:2", SHIPPED + CHUNK, ADDED - 2 * CHUNK),
    ],
)
def test_a_killed_ingest_is_finished_by_running_it_again(
    data_dir: Path, tmp_path: Path, point: str, indexed_after_crash: int, embedded_on_rerun: int
) -> None:
    papers = jsonl(tmp_path / "new.jsonl", 0)
    crashed = run(data_dir, "ingest", str(papers), PAPERSCOUT_CRASH_AT=point)
    assert crashed.returncode == -9, crashed.stderr
    mid = stats(data_dir)
    assert (mid["papers"], mid["indexed"]) == (SHIPPED + ADDED, indexed_after_crash)

    again = run(data_dir, "ingest", str(papers))
    assert again.returncode == 0, again.stderr
    assert f"added 0, updated 0, unchanged {ADDED}; corpus holds {SHIPPED + ADDED} papers" in again.stdout
    assert f"embedded {embedded_on_rerun} papers; {embedded_on_rerun} of them left unindexed by an earlier" in again.stdout
    end = stats(data_dir)
    assert end["papers"] == end["indexed"] == SHIPPED + ADDED
    titles = [p.title for p in open_corpus(data_dir / "corpus.sqlite3", readonly=True).papers()]
    assert len(titles) == len(set(titles))


def _one_line_naming_the_vectors(done: subprocess.CompletedProcess[str], data_dir: Path) -> None:
    assert done.returncode == 1 and "Traceback" not in done.stderr
    line = done.stderr.strip().splitlines()[-1]
    assert str(data_dir / "vectors") in line and "paperscout reindex" in line


def test_damaged_hnsw_segment_files_are_one_line(data_dir: Path) -> None:
    segments = [p for p in (data_dir / "vectors").rglob("*.bin") if p.is_file()]
    assert segments
    for segment in segments:
        segment.write_bytes(b"\xff" * max(64, segment.stat().st_size // 2))
    _one_line_naming_the_vectors(run(data_dir, "search", "implicit differentiation"), data_dir)


def test_a_damaged_vector_database_is_one_line_then_reindex_repairs(tmp_path: Path) -> None:
    # A small corpus of its own: the repair re-embeds every paper.
    data_dir = tmp_path / "small"
    store = open_corpus(data_dir / "corpus.sqlite3", seed=False)
    store.add(read_jsonl(jsonl(tmp_path / "small.jsonl", 0, 12), []), origin="test")
    store.close()
    built = run(data_dir, "reindex")
    assert built.returncode == 0 and "embedded 12 papers" in built.stdout, built.stderr
    database = data_dir / "vectors" / "chroma.sqlite3"
    with database.open("r+b") as handle:
        handle.write(b"\x00" * 4096)  # the SQLite header and first page, as a torn write would leave them
    _one_line_naming_the_vectors(run(data_dir, "search", "sparse graphs"), data_dir)

    repaired = run(data_dir, "reindex")
    assert repaired.returncode == 0, repaired.stderr
    assert "set it aside" in repaired.stderr and "embedded 12 papers" in repaired.stdout
    assert stats(data_dir)["indexed"] == 12
    found = run(data_dir, "search", "method 7 on sparse graphs", "-k", "1", "--json")
    assert json.loads(found.stdout)[0]["title"] == "Sparse Graph Method Number 7"


def test_remove_takes_papers_out_of_the_store_and_the_index(data_dir: Path) -> None:
    title = "Efficient and Modular Implicit Differentiation"
    done = run(data_dir, "remove", title, "no such paper")
    assert done.returncode == 1
    assert "no paper is 'no such paper'" in done.stderr
    assert f"removed 1 papers; corpus holds {SHIPPED - 1} papers" in done.stdout
    assert "removed the vectors of 1 papers" in done.stdout
    after = stats(data_dir)
    assert after["papers"] == after["indexed"] == SHIPPED - 1
    found = run(data_dir, "search", "implicit differentiation", "-k", "3", "--json")
    assert title not in [hit["title"] for hit in json.loads(found.stdout)]


def test_stats_is_read_only(data_dir: Path, tmp_path: Path) -> None:
    before = {p: p.read_bytes() for p in data_dir.rglob("*") if p.is_file() and not p.name.endswith(("-shm", "-wal"))}
    assert stats(data_dir)["papers"] == SHIPPED
    assert {p: p.read_bytes() for p in before} == before
    empty = tmp_path / "empty"
    assert stats(empty)["papers"] == 0 and not empty.exists()
