"""Ingesting into the store: merging, idempotence, bad input, matching and persistence."""

from __future__ import annotations

import json

import pytest

from corpus.ingest import ingest_paths, open_corpus, shipped_pages
from corpus.records import Candidate, normalize_arxiv_id
from corpus.store import CorpusError, CorpusStore


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    return open_corpus(tmp_path_factory.mktemp("corpus") / "corpus.json")


def test_shipped_corpus_merges_duplicates_remembering_every_listing(shipped):
    assert len(shipped) == 440
    paper = shipped.find(title="Efficient and Modular Implicit Differentiation")
    assert [(l.source[:3], l.rank) for l in paper.listings] == [("000", 1), ("001", 1), ("004", 125)]
    assert sum(len(p.listings) for p in shipped) == 502
    assert shipped.stats()["papers"] == 440


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


def test_reingesting_changes_nothing(tmp_path):
    store = open_corpus(tmp_path / "corpus.json")
    before = (tmp_path / "corpus.json").read_bytes()
    report = ingest_paths(store, shipped_pages())
    assert report.added == [] and report.updated == [] and report.unchanged == 502
    assert report.problems == []
    store.save()
    assert (tmp_path / "corpus.json").read_bytes() == before


def test_store_round_trips_through_disk(tmp_path, shipped):
    shipped_copy = CorpusStore(tmp_path / "c.json", shipped.papers())
    shipped_copy.save()
    reopened = CorpusStore.open(tmp_path / "c.json")
    assert reopened.papers() == shipped.papers()


def test_jsonl_bad_lines_are_reported_and_skipped(tmp_path):
    path = tmp_path / "fresh.jsonl"
    path.write_text(
        "\n".join(
            [
                json.dumps({"title": "A Fresh Paper on Sinkhorn", "abstract": "We speed up Sinkhorn.", "arxiv_id": "2501.00001v2"}),
                "{not json",
                json.dumps({"abstract": "no title"}),
                json.dumps(["a", "list"]),
                json.dumps({"title": "Another Fresh Paper", "abstract": "Text.", "authors": ["A. B", {"name": "C. D"}]}),
            ]
        ),
        encoding="utf-8",
    )
    store = CorpusStore(tmp_path / "c.json")
    report = ingest_paths(store, [path])
    assert len(report.added) == 2
    assert [p.split(": ")[0] for p in report.problems] == [f"{path}:2", f"{path}:3", f"{path}:4"]
    fresh = store.find(arxiv_id="2501.00001")
    assert fresh.title == "A Fresh Paper on Sinkhorn"
    assert store.find(title="another fresh paper").authors == ("A. B", "C. D")


def test_empty_page_and_missing_file_are_errors_not_successes(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("Get trending papers in your email inbox!\n\nSubscribe\n", encoding="utf-8")
    store = CorpusStore(tmp_path / "c.json")
    report = ingest_paths(store, [empty, tmp_path / "missing.txt", tmp_path / "none.jsonl"])
    assert len(report.problems) == 3
    assert "no papers" in report.problems[0]
    assert "cannot read" in report.problems[1]
    assert len(store) == 0


def test_match_by_arxiv_id_keeps_the_id_and_fills_fields(tmp_path):
    store = CorpusStore(tmp_path / "c.json")
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
    store = CorpusStore(tmp_path / "c.json", shipped.papers())
    paper = store.find(title="Efficient and Modular Implicit Differentiation")
    store.add([Candidate(title="efficient and modular implicit  differentiation", abstract="", source="arxiv", rank=1, arxiv_id="2105.15183v7")])
    updated = store.get(paper.id)
    assert len(store) == 440
    assert updated.arxiv_id == "2105.15183"
    assert updated.ingested_at == paper.ingested_at
    assert any(l.url == "https://arxiv.org/abs/2105.15183" for l in updated.links)
    assert not any(l.kind == "search" for l in updated.links)
    # From now on the arXiv id alone finds it, whatever the title says.
    assert store.find(arxiv_id="2105.15183").id == paper.id


def test_arxiv_ids_are_normalized():
    assert normalize_arxiv_id("http://arxiv.org/abs/1706.03762v7") == "1706.03762"
    assert normalize_arxiv_id("arXiv:2401.00001") == "2401.00001"
    assert normalize_arxiv_id("hep-th/9901001v2") == "hep-th/9901001"
    assert normalize_arxiv_id("not an id") is None


def test_corrupt_store_file_gives_a_clear_error(tmp_path):
    path = tmp_path / "corpus.json"
    path.write_text('{"format": 1, "papers": [', encoding="utf-8")
    with pytest.raises(CorpusError, match="corrupt"):
        CorpusStore.open(path)
