"""The `paperscout` command line: stats, search, ingest from files and from feeds."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

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


def test_search_says_when_it_brings_k_into_range(data_dir, capsys):
    capsys.readouterr()
    assert main(["search", "implicit differentiation", "-k", "0"]) == 0
    out = capsys.readouterr().out
    note = "(You asked for 0 results; showing 1, the fewest allowed (1-100).)"
    assert note in out
    assert out.index(note) < out.index("Efficient and Modular Implicit Differentiation")

    assert main(["search", "implicit differentiation", "-k", "500", "--json"]) == 0
    captured = capsys.readouterr()
    assert len(json.loads(captured.out)) == 100
    assert captured.err.splitlines() == [
        "paperscout search: You asked for 500 results; showing 100, the most allowed (1-100)."
    ]

    assert main(["search", "implicit differentiation", "-k", "3", "--json"]) == 0
    assert capsys.readouterr().err == ""


def _eval_refused(capsys, *args: str) -> str:
    """Run `paperscout eval ARGS`, expect exit status 2 and one line on stderr; return that line."""
    capsys.readouterr()
    assert main(["eval", *args]) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("paperscout eval: ")
    return lines[0]


def test_eval_names_a_missing_or_malformed_query_file_in_one_line(tmp_path, capsys, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("PAPERSCOUT_DATA_DIR", str(data))
    missing = tmp_path / "missing.jsonl"
    assert _eval_refused(capsys, str(missing)) == f"paperscout eval: {missing}: cannot read it (No such file or directory)"
    assert "cannot read it" in _eval_refused(capsys, str(tmp_path))  # a directory is no query file

    good = json.dumps({"query": "implicit differentiation", "relevant": {"Efficient and Modular Implicit Differentiation": 3}})
    path = tmp_path / "judged.jsonl"
    for line, reason in [
        ("{oops", "not a judged query"),
        ("[1, 2]", "expected a JSON object"),
        (json.dumps({"relevant": {}}), "missing or empty 'query'"),
        (json.dumps({"query": "q", "relevant": ["a title"]}), "'relevant' must map paper titles to grades"),
        (json.dumps({"query": "q", "relevant": {"A title": "high"}}), "must be a whole number"),
    ]:
        path.write_text(good + "\n\n" + line + "\n", encoding="utf-8")
        refused = _eval_refused(capsys, str(path))
        assert refused.startswith(f"paperscout eval: {path}:3: ") and reason in refused
    path.write_text("\n", encoding="utf-8")
    assert _eval_refused(capsys, str(path)) == f"paperscout eval: {path}: no judged queries in it"
    path.write_bytes(b"\xff\xfe not text")
    assert _eval_refused(capsys, str(path)) == f"paperscout eval: {path}: not UTF-8 text"

    assert _eval_refused(capsys, "--generated", str(missing)) == f"paperscout eval: {missing}: not a file"
    # The file is read before anything is opened: no index was built for any of these.
    assert not data.exists()


def test_eval_names_what_is_wrong_with_a_beir_directory(tmp_path, capsys):
    beir = tmp_path / "beir"
    assert "not a directory" in _eval_refused(capsys, "--beir", str(beir))
    beir.mkdir()
    refused = _eval_refused(capsys, "--beir", str(beir))
    assert refused == f"paperscout eval: {beir / 'corpus.jsonl'}: cannot read it (No such file or directory)"

    (beir / "corpus.jsonl").write_text('{"_id": "d1", "title": "A", "text": "B"}\n{"title": "no id"}\n', encoding="utf-8")
    assert _eval_refused(capsys, "--beir", str(beir)) == f"paperscout eval: {beir / 'corpus.jsonl'}:2: missing '_id'"
    (beir / "corpus.jsonl").write_text('{"_id": "d1", "title": "A", "text": "B"}\n', encoding="utf-8")
    (beir / "queries.jsonl").write_text('{"_id": "q1", "text": "a query"}\n{"_id": "q2"\n', encoding="utf-8")
    assert _eval_refused(capsys, "--beir", str(beir)).startswith(f"paperscout eval: {beir / 'queries.jsonl'}:2: not JSON")
    (beir / "queries.jsonl").write_text('{"_id": "q1", "text": "a query"}\n', encoding="utf-8")
    assert "qrels" in _eval_refused(capsys, "--beir", str(beir))
    (beir / "qrels").mkdir()
    (beir / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\tvery\n", encoding="utf-8")
    refused = _eval_refused(capsys, "--beir", str(beir))
    assert refused.startswith(f"paperscout eval: {beir / 'qrels' / 'test.tsv'}:2: ") and "whole number" in refused


def test_the_installed_command_refuses_a_missing_file_with_status_2_and_no_traceback(tmp_path):
    command = Path(sys.executable).with_name("paperscout")
    if not command.exists():
        pytest.skip("the paperscout command is not installed beside this Python")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "PAPERSCOUT_"))}
    missing = tmp_path / "missing.jsonl"
    # cwd is a fresh directory so no developer's .env or data dir is used.
    done = subprocess.run(
        [str(command), "eval", str(missing)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"paperscout eval: {missing}: cannot read it (No such file or directory)"]
    assert not (tmp_path / "data").exists()


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


def test_ask_json_reads_the_kind_quotes_with_bold_spans_and_says_it_answered(data_dir, capsys):
    capsys.readouterr()
    assert main(["ask", "how much faster does the sparse Newton Sinkhorn converge?", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["kind"] == "figure" and answer["answered"] is True
    first = answer["quotes"][0]
    assert set(first) >= {"paper_id", "card", "sentence", "bold", "score"}
    assert first["card"] == 1 and "orders of magnitude faster" in first["sentence"]
    assert first["sentence"][first["bold"][0]:first["bold"][1]] == first["bold_text"]
    assert [c["card"] for c in answer["cards"]] == [1, 2, 3] and answer["cards"][0]["quoted"]


def test_ask_says_nothing_close_for_a_topic_the_corpus_lacks(data_dir, capsys):
    capsys.readouterr()
    assert main(["ask", "How do transformer models forecast day-ahead electricity prices?", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["answered"] is False and answer["quotes"] == [] and len(answer["cards"]) == 3
    assert main(["ask", "How do transformer models forecast day-ahead electricity prices?"]) == 0
    assert capsys.readouterr().out.startswith("Nothing in my corpus answers that.")


def test_ask_opens_with_the_quote_and_refuses_an_empty_question_in_one_line(data_dir, capsys):
    capsys.readouterr()
    assert main(["ask", "is there work on faster Sinkhorn?"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("  > \u201c") and "orders of magnitude faster" in out and "[1]" in out
    assert main(["ask", "?!"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("paperscout ask:") and len(err.strip().splitlines()) == 1


def test_eval_answers_scores_a_question_file_over_the_data_dir(data_dir, tmp_path, capsys):
    questions = tmp_path / "q.jsonl"
    rows = [
        {"id": "a", "kind": "figure", "query": "how much faster does the sparse Newton Sinkhorn converge?",
         "title": "Accelerating Sinkhorn Algorithm with Sparse Newton Iterations",
         "accept": ["In terms of total iteration count, we observe that the SNS algorithm converges orders of magnitude "
                    "faster across a wide range of practical cases, including optimal transportation between empirical "
                    "distributions and calculating the Wasserstein W_1, W_2 distance of discretized densities."]},
        {"id": "n", "kind": "absent", "query": "How do transformer models forecast day-ahead electricity prices?", "accept": []},
        {"id": "x", "kind": "method", "query": "how does it work?", "title": "A paper nobody has", "accept": ["It works."]},
    ]
    questions.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["eval", "--answers", str(questions), "--json"]) == 0
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert summary["answerable"] == 1 and summary["first_quote_ok"] == 1.0 and summary["any_quote_ok"] == 1.0
    assert summary["absent"] == 1 and summary["absent_nothing_close"] == 1.0 and summary["skipped"] == 1
    assert summary["by_kind"]["figure"]["first_quote_ok"] == 1.0
    assert "question x names a paper not in the corpus" in captured.err


def test_eval_answers_names_a_bad_question_file_in_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PAPERSCOUT_DATA_DIR", str(tmp_path / "never-opened"))
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "query": "q", "kind": "figure"}\n', encoding="utf-8")
    for path in (bad, tmp_path / "missing.jsonl"):
        capsys.readouterr()
        assert main(["eval", "--answers", str(path)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("paperscout eval:") and str(path.name) in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "never-opened").exists()
