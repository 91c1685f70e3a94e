"""The SQLite corpus store: merging, idempotence, bad input, matching, removal and persistence."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from pathlib import Path

import pytest

from corpus.ingest import ingest_paths, open_corpus, shipped_pages
from corpus.records import Candidate, normalize_arxiv_id
from corpus.sqlite_store import SqliteCorpusStore
from corpus.store import CorpusError


def empty_store(tmp_path: Path) -> SqliteCorpusStore:
    return open_corpus(tmp_path / "corpus.sqlite3", seed=False)


def sentence(topic: str) -> str:
    """An abstract long enough to look like a paper's."""
    return f"We study {topic} and show that our method improves on earlier work."


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    return open_corpus(tmp_path_factory.mktemp("corpus") / "corpus.sqlite3")


def test_shipped_corpus_merges_duplicates_remembering_every_listing(shipped):
    assert len(shipped) == 440
    paper = shipped.find(title="Efficient and Modular Implicit Differentiation")
    assert [(l.source[:3], l.rank) for l in paper.listings] == [("000", 1), ("001", 1), ("004", 125)]
    assert sum(len(p.listings) for p in shipped) == 502
    stats = shipped.stats()
    assert stats["papers"] == 440 and sum(stats["by_source"].values()) == 502
    assert set(stats["by_source"]) == {f"HF papers page {n:03d}" for n in range(5)}


def test_paper_fields_are_filled_from_the_page(shipped):
    paper = shipped.find(title="Impact of Computation in Integral Reinforcement Learning for Continuous-Time Control")
    assert "Mat\\'ern" in paper.abstract  # verbatim
    assert "Matérn" in paper.clean_abstract and "\\" not in paper.clean_abstract
    assert paper.text.startswith(paper.clean_title + ". ")
    assert paper.arxiv_id is None
    labels = [l.label for l in paper.links]
    assert "Search arXiv" in labels and "Search HF Papers" in labels
    coded = shipped.find(title="NILUT: Conditional Neural Implicit 3D Lookup Tables for Image Enhancement")
    assert any(l.kind == "code" and l.url == "https://github.com/mv-lab/nilut" for l in coded.links)


def test_reingesting_changes_nothing_and_keeps_the_revision(tmp_path):
    store = open_corpus(tmp_path / "corpus.sqlite3")
    revision = store.revision()
    report = ingest_paths(store, shipped_pages())
    assert report.added == [] and report.updated == [] and report.unchanged == 502
    assert report.problems == []
    assert store.revision() == revision


def test_store_round_trips_through_disk(tmp_path, shipped):
    store = empty_store(tmp_path)
    papers = shipped.papers()[:40]
    store.add([Candidate(p.title, p.abstract, l.source, l.rank) for p in papers for l in p.listings])
    store.close()
    reopened = SqliteCorpusStore.open(tmp_path / "corpus.sqlite3")
    assert [(p.title, p.clean_abstract, p.listings, p.links) for p in reopened.papers()] == [
        (p.title, p.clean_abstract, p.listings, p.links) for p in papers
    ]


def test_jsonl_bad_lines_and_non_papers_are_reported_and_skipped(tmp_path):
    path = tmp_path / "fresh.jsonl"
    lines = [
        {"title": "A Fresh Paper on Sinkhorn", "abstract": sentence("Sinkhorn iterations"), "arxiv_id": "2501.00001v2"},
        "{not json",
        {"abstract": "no title"},
        ["a", "list"],
        {"title": "Another Fresh Paper", "abstract": sentence("lists"), "authors": ["A. B", {"name": "C. D"}]},
        {"title": "Junk With No Abstract"},
        {"title": "Junk With a Stub", "abstract": "To appear."},
    ]
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines), encoding="utf-8")
    store = empty_store(tmp_path)
    report = ingest_paths(store, [path])
    assert len(report.added) == 2
    assert [p.split(": ")[0] for p in report.problems] == [f"{path}:{n}" for n in (2, 3, 4, 6, 7)]
    assert "does not look like a paper: no abstract" in report.problems[3]
    assert "abstract shorter than a sentence (2 words)" in report.problems[4]
    assert store.find(arxiv_id="2501.00001").title == "A Fresh Paper on Sinkhorn"
    assert store.find(title="another fresh paper").authors == ("A. B", "C. D")


def test_a_page_listing_without_an_abstract_is_skipped_with_its_reason(tmp_path):
    page = tmp_path / "page.txt"
    page.write_text(
        "Get trending papers in your email inbox!\nSubscribeA Real Paper About Graphs\n" + sentence("graphs") + "\n"
        "Just a Title Without Abstract\nTBD\n",
        encoding="utf-8",
    )
    store = empty_store(tmp_path)
    report = ingest_paths(store, [page])
    titles = [p.title for p in store.papers()]
    assert "A Real Paper About Graphs" in titles and "Just a Title Without Abstract" not in titles
    assert any("Just a Title Without Abstract" in p and "does not look like a paper" in p for p in report.problems)


def test_empty_page_and_missing_file_are_errors_not_successes(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("Get trending papers in your email inbox!\n\nSubscribe\n", encoding="utf-8")
    store = empty_store(tmp_path)
    report = ingest_paths(store, [empty, tmp_path / "missing.txt", tmp_path / "none.jsonl"])
    assert len(report.problems) == 3
    assert "no papers" in report.problems[0]
    assert "cannot read" in report.problems[1]
    assert len(store) == 0 and store.revision() == 0


def test_match_by_arxiv_id_keeps_the_id_and_fills_fields(tmp_path):
    store = empty_store(tmp_path)
    store.add([Candidate(title="Old Title: v1", abstract="First abstract.", source="page", rank=1, arxiv_id="2401.12345")])
    original = store.papers()[0]
    report = store.add(
        [Candidate(title="Renamed Title in v2", abstract="", source="hf-daily", rank=3, arxiv_id="2401.12345",
                   authors=("Ada",), upvotes=42, github_repo="https://github.com/x/y", github_stars=7)]
    )
    assert report.updated == [original.id] and not report.added
    merged = store.get(original.id)
    assert merged.title == "Old Title: v1" and merged.abstract == "First abstract."
    assert (merged.upvotes, merged.github_stars, merged.authors) == (42, 7, ("Ada",))
    assert any(l.url == "https://github.com/x/y" for l in merged.links)
    assert len(merged.listings) == 2


def test_match_by_title_gains_arxiv_id_and_keeps_the_id(tmp_path, shipped):
    store = empty_store(tmp_path)
    paper = shipped.find(title="Efficient and Modular Implicit Differentiation")
    store.add([Candidate(paper.title, paper.abstract, "page", 1)])
    stored = store.find(title=paper.title)
    store.add([Candidate(title="efficient and modular implicit  differentiation", abstract="", source="arxiv", rank=1, arxiv_id="2105.15183v7")])
    updated = store.get(stored.id)
    assert len(store) == 1
    assert updated.arxiv_id == "2105.15183" and updated.ingested_at == stored.ingested_at
    assert any(l.url == "https://arxiv.org/abs/2105.15183" for l in updated.links)
    assert not any(l.kind == "search" for l in updated.links)
    # From now on the arXiv id alone finds it, whatever the title says.
    assert store.find(arxiv_id="2105.15183").id == stored.id


def test_a_title_match_never_merges_two_different_arxiv_ids(tmp_path):
    store = empty_store(tmp_path)
    store.add([Candidate("Attention Is All You Need", sentence("attention"), "page", 1, arxiv_id="1706.03762")])
    report = store.add([Candidate("Attention is all you need", sentence("attention again"), "arxiv", 2, arxiv_id="2501.99999")])
    assert len(report.added) == 1 and not report.updated
    assert {p.arxiv_id for p in store.papers()} == {"1706.03762", "2501.99999"}
    assert store.find(arxiv_id="2501.99999").listings[0].source == "arxiv"


def test_arxiv_ids_are_normalized():
    assert normalize_arxiv_id("http://arxiv.org/abs/1706.03762v7") == "1706.03762"
    assert normalize_arxiv_id("arXiv:2401.00001") == "2401.00001"
    assert normalize_arxiv_id("hep-th/9901001v2") == "hep-th/9901001"
    assert normalize_arxiv_id("not an id") is None


def test_remove_by_id_arxiv_id_or_title_and_reports_unknown(tmp_path):
    store = empty_store(tmp_path)
    store.add([Candidate(f"Paper Number {n}", sentence(f"topic {n}"), "page", n, arxiv_id=f"2501.0000{n}") for n in range(1, 5)])
    ids = [p.id for p in store.papers()]
    store.record_indexed({ids[0]: "digest"})
    revision = store.revision()
    report = store.remove([ids[0], "2501.00002", "paper number 3", "no such paper"])
    assert report.removed == tuple(ids[:3]) and report.not_found == ("no such paper",)
    assert [p.title for p in store.papers()] == ["Paper Number 4"]
    assert store.indexed() == {} and store.revision() == revision + 1


def test_corrupt_store_file_is_a_clear_error_and_left_untouched(tmp_path):
    path = tmp_path / "corpus.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(CorpusError, match="corpus.sqlite3.*untouched"):
        open_corpus(path)
    assert path.read_bytes() == b"this is not a database" * 100


def test_a_damaged_page_inside_a_valid_store_is_a_clear_error_when_read(tmp_path):
    path = tmp_path / "corpus.sqlite3"
    store = open_corpus(path)
    store.close()
    # Checkpoint the WAL into the file, then scribble over pages after the schema's.
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    data = bytearray(path.read_bytes())
    page = 4096
    for start in range(4 * page, len(data) - page, 2 * page):
        data[start:start + page] = b"\xff" * page
    path.write_bytes(bytes(data))
    store = open_corpus(path, seed=False)
    with pytest.raises(CorpusError, match="corpus.sqlite3.*malformed.*untouched"):
        store.papers()


def test_an_old_corpus_json_is_imported_once_and_kept(tmp_path, shipped):
    legacy = tmp_path / "corpus.json"
    papers = [dataclasses.asdict(p) for p in shipped.papers()[:5]]
    legacy.write_text(json.dumps({"format": 1, "papers": papers}), encoding="utf-8")
    before = legacy.read_bytes()
    store = open_corpus(tmp_path / "corpus.sqlite3", legacy_json=legacy)
    assert [p.id for p in store.papers()] == [p.id for p in shipped.papers()[:5]]
    assert store.get(shipped.papers()[0].id).listings == shipped.papers()[0].listings
    store.close()
    legacy.write_text(json.dumps({"format": 1, "papers": []}), encoding="utf-8")  # never read again
    again = open_corpus(tmp_path / "corpus.sqlite3", legacy_json=legacy)
    assert len(again) == 5
    assert before != legacy.read_bytes()


def test_a_corrupt_old_corpus_json_stops_with_a_clear_error(tmp_path):
    legacy = tmp_path / "corpus.json"
    legacy.write_text('{"format": 1, "papers": [', encoding="utf-8")
    with pytest.raises(CorpusError, match="corpus.json"):
        open_corpus(tmp_path / "corpus.sqlite3", legacy_json=legacy)


def test_read_only_opening_never_writes(tmp_path, shipped):
    missing = tmp_path / "corpus.sqlite3"
    assert len(open_corpus(missing, readonly=True)) == 0 and not missing.exists()
    store = open_corpus(missing)
    store.close()
    before = missing.read_bytes()
    readonly = open_corpus(missing, readonly=True)
    assert len(readonly) == 440
    with pytest.raises(CorpusError, match="read-only"):
        readonly.add([Candidate("A New Paper About Trees", sentence("trees"), "page", 1)])
    readonly.close()
    assert missing.read_bytes() == before


def test_each_batch_is_one_transaction(tmp_path, monkeypatch):
    store = empty_store(tmp_path)
    batch = [Candidate(f"Batch Paper {n}", sentence(f"batch {n}"), "page", n) for n in range(3)]
    boom = Candidate("Batch Paper Boom", sentence("boom"), "page", 9)
    real = store._insert

    def failing_insert(conn, paper):
        if paper.title == boom.title:
            raise sqlite3.OperationalError("disk I/O error")
        real(conn, paper)

    monkeypatch.setattr(store, "_insert", failing_insert)
    with pytest.raises(sqlite3.OperationalError):
        store.add([*batch, boom])
    assert len(store) == 0 and store.revision() == 0


def test_a_gzipped_jsonl_file_is_ingested_like_a_plain_one(tmp_path):
    import gzip

    path = tmp_path / "venue-2025.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(json.dumps({"title": "A gzipped paper", "abstract": "We show that compressed files are read like plain ones."}) + "\n")
        handle.write("not json\n")
    store = open_corpus(tmp_path / "corpus.sqlite3", seed=False)
    report = ingest_paths(store, [path])
    assert [p.title for p in store.papers()] == ["A gzipped paper"]
    assert store.papers()[0].listings[0].source == "venue-2025"
    assert any("venue-2025.jsonl.gz:2" in problem for problem in report.problems)
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(path.read_bytes()[:20])
    assert any("cannot read" in problem for problem in ingest_paths(store, [cut]).problems)
