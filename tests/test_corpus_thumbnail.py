"""A paper's picture: parsed from the HF daily feed, checked as an http(s) URL, kept by the store across versions."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from corpus import sqlite_schema
from corpus.ingest import ingest_paths, open_corpus
from corpus.records import Candidate, web_url
from corpus.sources.hf_daily import parse_daily_papers
from corpus.sqlite_store import SqliteCorpusStore
from corpus.sqlite_transactions import migrate
from corpus.store import CorpusError
from tests.sources_fixtures import hf_item, hf_sample_items

DAY = "2026-03-06"
FIGURE = "https://cdn-uploads.huggingface.co/production/uploads/65a103d5230f8846b1b99cfa/UUPae7qIumdx3m-4RDOkm.webp"
SOCIAL = "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2602.23229.png"
ABSTRACT = "We study pictures of papers and show that a card with one is easier to scan."


def parsed_thumbnail(item: dict) -> str | None:
    (candidate,) = parse_daily_papers([item], DAY).candidates
    return candidate.thumbnail


def test_the_real_item_gives_the_submitters_figure() -> None:
    # The sample has both: the figure tells papers apart, the social card repeats the title.
    assert parsed_thumbnail(hf_sample_items()[0]) == FIGURE


def test_without_an_image_in_media_the_apis_thumbnail_is_used() -> None:
    video = hf_item("2602.00001", "A Paper With a Video", mediaUrls=["https://cdn.example/clip.mp4"])
    assert parsed_thumbnail(video) == SOCIAL
    bare = hf_item("2602.00002", "A Paper Without Media")
    del bare["paper"]["mediaUrls"], bare["mediaUrls"], bare["thumbnail"]
    assert parsed_thumbnail(bare) is None
    odd = hf_item("2602.00003", "A Paper With Odd Media", mediaUrls="not a list")
    odd["mediaUrls"] = [None, 7, "javascript:alert(1)//.png", "https://cdn.example/fig.PNG"]
    assert parsed_thumbnail(odd) == "https://cdn.example/fig.PNG"


@pytest.mark.parametrize(
    "raw, kept",
    [
        (" https://cdn.example/a.png ", "https://cdn.example/a.png"),
        ("HTTP://cdn.example/a.png", "HTTP://cdn.example/a.png"),
        ("javascript:alert(1)", None),
        ("data:image/png;base64,AAAA", None),
        ("file:///etc/passwd", None),
        ("/avatars/x.svg", None),
        ("https:///no-host.png", None),
        ("https://[bad/a.png", None),
        ("https://cdn.example/a b.png", None),
        ("https://cdn.example/a\x00.png", None),
        ("https://cdn.example/\u0085.png", None),
        ("https://cdn.example/" + "a" * 3000, None),
        (42, None),
        (None, None),
    ],
)
def test_only_http_urls_are_kept(raw: object, kept: str | None) -> None:
    assert web_url(raw) == kept
    # Every source goes through Candidate, which applies the same check.
    assert Candidate("T", ABSTRACT, "page", 1, thumbnail=raw).thumbnail == kept  # type: ignore[arg-type]


def test_the_store_keeps_the_newest_picture(tmp_path: Path) -> None:
    store = open_corpus(tmp_path / "corpus.sqlite3", seed=False)
    store.add([Candidate("A Pictured Paper", ABSTRACT, "hf-daily:2026-03-05", 1, arxiv_id="2602.11111", thumbnail=SOCIAL)])
    store.add([Candidate("A Pictured Paper", ABSTRACT, "arxiv:cat:cs.LG", 3, arxiv_id="2602.11111")])  # none: kept
    assert store.find(arxiv_id="2602.11111").thumbnail == SOCIAL
    report = store.add([Candidate("A Pictured Paper", ABSTRACT, "hf-daily:2026-03-06", 2, arxiv_id="2602.11111", thumbnail=FIGURE)])
    assert report.updated and store.find(arxiv_id="2602.11111").thumbnail == FIGURE
    store.close()
    assert SqliteCorpusStore.open(tmp_path / "corpus.sqlite3").find(arxiv_id="2602.11111").thumbnail == FIGURE


def test_a_jsonl_record_may_carry_a_picture(tmp_path: Path) -> None:
    path = tmp_path / "papers.jsonl"
    rows = [
        {"title": "A JSONL Paper", "abstract": ABSTRACT, "thumbnail": FIGURE},
        {"title": "A JSONL Paper Two", "abstract": ABSTRACT, "thumbnail": "javascript:alert(1)"},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    store = open_corpus(tmp_path / "corpus.sqlite3", seed=False)
    assert ingest_paths(store, [path]).problems == []
    assert [p.thumbnail for p in store.papers()] == [FIGURE, None]


def version_1_store(path: Path) -> None:
    """Write a store as PaperScout wrote it before the thumbnail column: schema version 1, one paper."""
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, sqlite_schema.MIGRATIONS[:1], path)
    conn.execute(
        "INSERT INTO papers (id, title, abstract, clean_title, clean_abstract, title_key, arxiv_id, ingested_at, "
        "authors, published, upvotes, github_repo, github_stars, links, content_digest, changed_at_revision) "
        "VALUES ('p-old', 'An Old Paper', ?, 'An Old Paper', ?, 'an old paper', '2101.00001', '2025-01-01T00:00:00+00:00', "
        "'[\"Ada Lovelace\"]', '2021-01-01', 5, NULL, NULL, '[]', 'digest', 1)",
        (ABSTRACT, ABSTRACT),
    )
    conn.execute("UPDATE meta SET value = '1' WHERE key = 'revision'")
    conn.close()


def test_a_store_from_before_the_thumbnail_column_opens_and_migrates(tmp_path: Path) -> None:
    path = tmp_path / "corpus.sqlite3"
    version_1_store(path)
    # Read-only commands do not migrate; they say how to (as for any older schema).
    with pytest.raises(CorpusError, match="older PaperScout"):
        SqliteCorpusStore.open(path, readonly=True)
    store = SqliteCorpusStore.open(path)
    old = store.get("p-old")
    assert (old.title, old.authors, old.upvotes, old.thumbnail) == ("An Old Paper", ("Ada Lovelace",), 5, None)
    assert store.revision() == 1  # a schema change is not a change to the papers
    store.add([Candidate("An Old Paper", ABSTRACT, "hf-daily:2026-03-06", 1, arxiv_id="2101.00001", thumbnail=FIGURE)])
    assert store.get("p-old").thumbnail == FIGURE
    store.close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == sqlite_schema.SCHEMA_VERSION  # every migration ran, later ones too
    conn.close()
    assert SqliteCorpusStore.open(path, readonly=True).get("p-old").thumbnail == FIGURE


def test_a_migration_that_fails_leaves_the_old_store_as_it_was(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "corpus.sqlite3"
    version_1_store(path)
    before = sqlite3.connect(path).execute("SELECT * FROM papers").fetchall()
    # The thumbnail column is added, then the same migration fails: all of it must roll back.
    broken = (sqlite_schema.MIGRATIONS[0], (*sqlite_schema.MIGRATIONS[1], "THIS IS NOT SQL"))
    monkeypatch.setattr("corpus.sqlite_store.MIGRATIONS", broken)
    with pytest.raises(CorpusError):
        SqliteCorpusStore.open(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert "thumbnail" not in [row[1] for row in conn.execute("PRAGMA table_info(papers)")]
    assert conn.execute("SELECT * FROM papers").fetchall() == before
    conn.close()
    monkeypatch.undo()
    assert SqliteCorpusStore.open(path).get("p-old").thumbnail is None
