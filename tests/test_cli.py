"""The `paperscout` command line: stats, search, ingest from files and from feeds."""

from __future__ import annotations

import json
import shutil

import pytest

from bot.cli import main
from tests.sources_fixtures import LoopbackServer, hf_payload


@pytest.fixture
def data_dir(tmp_path, shipped_data_dir, monkeypatch):
    """A private copy of the embedded shipped data dir, used as PAPERSCOUT_DATA_DIR."""
    target = tmp_path / "data"
    shutil.copytree(shipped_data_dir, target)
    monkeypatch.setenv("PAPERSCOUT_DATA_DIR", str(target))
    return target


def _stats(capsys) -> dict:
    capsys.readouterr()
    assert main(["stats", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_stats_reports_the_shipped_corpus(data_dir, capsys):
    stats = _stats(capsys)
    assert stats["papers"] == 440
    assert sum(stats["by_source"].values()) == 502
    assert stats["newest_ingest"]


def test_search_json_has_the_documented_fields(data_dir, capsys):
    assert main(["search", "implicit differentiation", "-k", "3", "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert [h["rank"] for h in hits] == [1, 2, 3]
    assert hits[0]["title"] == "Efficient and Modular Implicit Differentiation"
    assert {"id", "title", "score", "why", "weak"} <= set(hits[0])
    assert main(["search", "   "]) == 2
    assert "search" in capsys.readouterr().err.lower()


def test_ingest_jsonl_reports_bad_lines_and_is_idempotent(data_dir, tmp_path, capsys):
    path = tmp_path / "new.jsonl"
    path.write_text(json.dumps({"title": "Sinkhorn Goes Brrr", "abstract": "We make Sinkhorn iterations much faster on large problems."}) + "\n{oops\n", encoding="utf-8")
    assert main(["ingest", str(path)]) == 0
    captured = capsys.readouterr()
    assert f"{path}:2" in captured.err
    assert "added 1" in captured.out
    assert main(["ingest", str(path)]) == 0
    assert "added 0, updated 0" in capsys.readouterr().out
    assert _stats(capsys)["papers"] == 441


def test_ingest_hf_daily_merges_with_shipped_papers(data_dir, capsys, monkeypatch):
    server = LoopbackServer()
    try:
        server.set("/api/daily_papers", json.dumps(hf_payload()))
        monkeypatch.setenv("HF_DAILY_BASE_URL", server.url)
        assert main(["ingest", "--hf-daily", "2026-03-06"]) == 0
        out = capsys.readouterr().out
        assert "updated 1" in out
        assert _stats(capsys)["papers"] == 442  # two new papers, one merged into a shipped one
        assert main(["search", "Efficient and Modular Implicit Differentiation", "-k", "1", "--json"]) == 0
        top = json.loads(capsys.readouterr().out)[0]
        assert any(link["url"] == "https://arxiv.org/abs/2105.15183" for link in top["links"])

        # A failing feed is reported, exits non-zero and loses nothing.
        server.set("/api/daily_papers", "boom", status=500, content_type="text/plain")
        assert main(["ingest", "--hf-daily", "2026-03-07"]) == 1
        assert "500" in capsys.readouterr().err
        assert _stats(capsys)["papers"] == 442
        assert main(["ingest", "--hf-daily", "not-a-date"]) == 2
    finally:
        server.stop()
