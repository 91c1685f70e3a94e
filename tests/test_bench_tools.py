"""The benchmark's own parts: reading its inputs, measuring children, and keeping BENCHMARKS.md by section."""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bench.corpus_file import BenchInputError, PrecomputedEncoder, load_embeddings, read_corpus, supplied_vectors
from bench.measure import run_child
from bench.provenance import Checkout, checkout_state
from bench.startup import evict, resident_bytes
from bench.report import markdown, write_section
from corpus.records import new_paper

MACHINE = {"date": "2026-11-30", "cores": 2, "memory_gb": 23.5, "machine": "x86_64", "python": "3.11", "torch": "2.13"}
ABSTRACT = "We study a problem with a method that works well on many benchmarks and tasks."


def _result(size: int, hybrid_p95: float) -> dict:
    return {"corpus_size": size, "corpus": "test", "windows": False, "queries": 200, "commit": "0123456789abcdef", "tree_clean": True,
            "hybrid_p95_ms": hybrid_p95, "cold_warm_to_answer_s": 8.0, "bm25_top10_agreement": 1.0}


def test_sections_are_replaced_by_corpus_size_and_kept_in_size_order(tmp_path: Path) -> None:
    out = tmp_path / "BENCHMARKS.md"
    write_section(out, markdown(_result(87_000, 30.0), MACHINE), 87_000)
    write_section(out, markdown(_result(440, 20.0), MACHINE), 440)
    write_section(out, markdown(_result(87_000, 21.0), MACHINE), 87_000)
    text = out.read_text()
    assert text.startswith("# PaperScout benchmarks")
    assert text.count("## 87,000 papers") == 1 and text.count("## 440 papers") == 1
    assert text.index("## 440 papers") < text.index("## 87,000 papers")
    big = text[text.index("## 87,000 papers"):]
    assert "| 21.0 ms |  | <= 25 ms | yes |" in big and "30.0" not in big
    assert "Commit `0123456789ab`, working tree clean" in big


def test_targets_are_judged_only_at_scale() -> None:
    missed = markdown(_result(87_000, 30.0), MACHINE)
    assert "| 30.0 ms |  | <= 25 ms | **no** |" in missed
    assert "<= 25" not in markdown(_result(440, 30.0), MACHINE)


def test_runs_show_their_median_and_range_and_the_target_is_judged_on_the_median() -> None:
    result = _result(87_000, 0.0) | {"hybrid_p95_ms": [24.0, 31.0, 22.5], "incremental_s": [12.0, 40.0, 11.0],
                                      "tree_clean": False}
    text = markdown(result, MACHINE)
    assert "| 24.0 ms | 22.5 - 31.0 | <= 25 ms | yes |" in text
    assert "| 12.0 s | 11.0 - 40.0 | <= 30 s | yes |" in text
    assert "**working tree not clean**" in text
    shares = markdown(_result(87_000, 20.0) | {"pool_top10_overlap": [0.9975, 0.9975, 0.9975]}, MACHINE)
    assert "| 0.9975 | 0.9975 - 0.9975 |" in shares  # a share near 1 keeps its digits


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@t", *args], check=True, capture_output=True)


def test_a_table_names_its_commit_and_a_changed_tree_is_not_clean(tmp_path: Path) -> None:
    assert checkout_state(tmp_path).commit is None and not checkout_state(tmp_path).clean
    _git(tmp_path, "init", "-q")
    (tmp_path / "code.py").write_text("x = 1\n")
    (tmp_path / "BENCHMARKS.md").write_text("# old\n")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "first")
    state = checkout_state(tmp_path, ignore=tmp_path / "BENCHMARKS.md")
    assert state.clean and len(state.commit) == 40
    (tmp_path / "BENCHMARKS.md").write_text("# new table\n")  # the table's own file does not count
    assert checkout_state(tmp_path, ignore=tmp_path / "BENCHMARKS.md").clean
    (tmp_path / "code.py").write_text("x = 2\n")
    (tmp_path / "new_module.py").write_text("y = 1\n")
    dirty = checkout_state(tmp_path, ignore=tmp_path / "BENCHMARKS.md")
    assert not dirty.clean and set(dirty.changed) == {"code.py", "new_module.py"}
    assert "code.py" in dirty.why_not_clean() and dirty.commit[:12] in dirty.why_not_clean()


def test_bench_refuses_to_write_from_a_dirty_tree_before_measuring_anything(tmp_path: Path, monkeypatch) -> None:
    from bot.cli import bench_command

    calls = []
    monkeypatch.setattr("bench.scale.run_benchmark", lambda *a: calls.append(a))
    monkeypatch.setattr("bench.provenance.checkout_state", lambda ignore=None: Checkout("f" * 40, ("bench/scale.py",)))
    args = argparse.Namespace(out=tmp_path / "BENCHMARKS.md", no_write=False, windows="auto", corpus=None, embeddings=None,
                              queries=None, json=False)
    assert bench_command.cmd_bench(args, None) == 2
    assert calls == [] and not args.out.exists()


def test_eviction_drops_the_files_from_the_page_cache(tmp_path: Path) -> None:
    kind = subprocess.run(["stat", "-f", "-c", "%T", str(tmp_path)], capture_output=True, text=True).stdout.strip()
    if kind == "tmpfs" or resident_bytes([Path(__file__)]) is None:
        pytest.skip("tmpfs keeps its files in memory, or util-linux fincore is missing")
    data = tmp_path / "index.bin"
    data.write_bytes(np.random.default_rng(0).bytes(8 * 2**20))
    data.read_bytes()
    assert resident_bytes([data]) > 4 * 2**20
    dropped = evict(tmp_path)
    assert dropped["bytes"] == 8 * 2**20 and dropped["resident_after"] < 2**20


def test_a_child_is_measured_by_its_own_peak_memory_not_its_parents() -> None:
    held = np.ones(50_000_000)  # this process holds 400 MB; the child must not report it
    run = run_child([sys.executable, "-c", "import time; x = bytearray(150 * 2**20); time.sleep(0.3); print('done')"])
    assert run.returncode == 0 and run.stdout.strip() == "done"
    assert 150 <= run.peak_rss_mb < 150 + held.nbytes / 2**20 / 2
    assert run.wall_s >= 0.3


def test_a_gzipped_corpus_is_read_in_file_order_without_repeats_or_non_papers(tmp_path: Path) -> None:
    path = tmp_path / "papers.jsonl.gz"
    rows = [{"title": "First paper", "abstract": ABSTRACT}, {"title": "No abstract", "abstract": "TBD"},
            {"title": "Second paper", "abstract": ABSTRACT}, {"title": "first  PAPER", "abstract": ABSTRACT}]
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(json.dumps(r) for r in rows) + "\n")
    got = read_corpus(path)
    assert [(c.title, c.rank) for c in got] == [("First paper", 1), ("Second paper", 3)]
    with pytest.raises(BenchInputError, match="cannot read the corpus"):
        read_corpus(tmp_path / "missing.jsonl")


def test_supplied_vectors_follow_corpus_lines_and_the_model_fills_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "papers.jsonl"
    path.write_text("\n".join(json.dumps({"title": f"Paper {i}", "abstract": ABSTRACT}) for i in range(3)) + "\n")
    papers = [new_paper(c, f"p{c.rank}", "2026-01-01") for c in read_corpus(path)]
    matrix = np.eye(3, 384, dtype=np.float16) * 2
    np.save(tmp_path / "vectors.npy", matrix)
    unit = load_embeddings(tmp_path / "vectors.npy", 3)
    np.testing.assert_allclose(np.linalg.norm(unit, axis=1), 1.0)
    vectors = supplied_vectors(papers, unit, "papers")
    assert vectors[papers[2].text].argmax() == 2

    class Model:
        name = "model"
        calls: list = []

        def encode(self, texts):
            self.calls.append(list(texts))
            return np.full((len(texts), 384), 0.5, dtype=np.float32)

    model = Model()
    encoder = PrecomputedEncoder(model, vectors)
    out = encoder.encode([papers[1].text, "a query", papers[0].text])
    assert out[0].argmax() == 1 and out[2].argmax() == 0 and (out[1] == 0.5).all()
    assert model.calls == [["a query"]] and encoder.name == "model"
    with pytest.raises(BenchInputError, match="expected at least 5 rows"):
        load_embeddings(tmp_path / "vectors.npy", 5)


def test_bench_children_import_this_checkout_from_anywhere(tmp_path) -> None:
    # Run from a scratch dir, a child must find this checkout's packages before any installed copy
    # (an editable install made from another clone maps `bot` there; a bench once timed that clone's bot).
    import os

    from bench.measure import CHECKOUT, own_code, run_child

    done = run_child([sys.executable, "-c", "import json, sys; print(json.dumps(sys.path))"], cwd=tmp_path)
    path = json.loads(done.stdout)
    installed = [i for i, entry in enumerate(path) if "site-packages" in entry]
    assert str(CHECKOUT) in path and installed and path.index(str(CHECKOUT)) < min(installed)
    assert own_code({"PYTHONPATH": "/elsewhere"})["PYTHONPATH"] == f"{CHECKOUT}{os.pathsep}/elsewhere"
    assert own_code({})["PYTHONPATH"] == str(CHECKOUT)


def test_supplied_vectors_are_stored_in_large_writes_without_the_model(tmp_path, monkeypatch) -> None:
    from retrieval import vectors as vector_module
    from retrieval.index import open_index
    from tests.test_retrieval_index import paths
    from tests.test_vector_reconcile import HashEncoder, papers

    monkeypatch.setattr(vector_module, "READY_CHUNK", 16)
    corpus = papers(40)
    rng = np.random.default_rng(1)
    given = {p.text: (lambda v: v / np.linalg.norm(v))(rng.standard_normal(384).astype(np.float32)) for p in corpus[:35]}
    model = HashEncoder()
    encoder = PrecomputedEncoder(model, given)
    where = dataclasses.replace(paths(tmp_path), with_windows=False)
    writes = []
    real_write = vector_module.ChromaVectors._write
    monkeypatch.setattr(vector_module.ChromaVectors, "_write", lambda self, chunk, *a: writes.append(len(chunk)) or real_write(self, chunk, *a))
    opened = open_index(corpus, where, encoder, progress=False)
    # 35 supplied: three writes of at most 16, none encoded; the other 5 by the model in one chunk of 32.
    assert writes == [16, 16, 3, 5] and model.texts == 5
    rows = {pid: i for i, pid in enumerate(opened.retriever.papers.ids)}
    for paper in corpus[:35]:
        # Served as the cache file keeps them: float16, within half a unit in the last place.
        np.testing.assert_allclose(opened.retriever.vectors.doc_rows(rows[paper.id]), given[paper.text], rtol=2**-11, atol=1e-7)
