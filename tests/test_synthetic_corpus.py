"""The synthetic bench corpus (bench/synthetic.py): seeded, real papers first, copies made only of real material."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from bench.corpus_file import read_corpus
from bench.synthetic import SIGMA, generate
from bot.cli import build_parser, main
from corpus.clean import normalize_title
from corpus.ingest import read_page, shipped_pages

SAMPLE = 300
PAPERS = 1_000


@pytest.fixture(scope="module")
def real(tmp_path_factory) -> tuple[Path, Path, list[bytes], np.ndarray]:
    """A small real sample: the shipped pages' first 300 papers as the bench corpus's records, plus a repeated title.

    Their vectors are seeded random unit rows: the generator treats any row alike, and a fresh clone has no
    ../shared/bench-data to take the model's rows from.
    """
    root = tmp_path_factory.mktemp("real")
    seen, records = set(), []
    for page in shipped_pages():
        for c in read_page(page):
            if normalize_title(c.title) not in seen and len(records) < SAMPLE:
                seen.add(normalize_title(c.title))
                records.append({"id": f"{page.stem}/{c.rank}", "venue": page.stem, "title": c.title, "abstract": c.abstract})
    # A repeat of the first title: a line the bench reads but does not count as a paper, so never a source.
    records.append(records[0] | {"id": "repeat", "abstract": "A repeated paper. " * 5})
    lines = [(json.dumps(r) + "\n").encode("utf-8") for r in records]
    corpus = root / "real.jsonl.gz"
    corpus.write_bytes(gzip.compress(b"".join(lines)))
    rows = np.random.default_rng(5).standard_normal((len(lines), 384)).astype(np.float32)
    rows = (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float16)
    vectors = root / "real.npy"
    np.save(vectors, rows)
    return corpus, vectors, lines, rows


@pytest.fixture(scope="module")
def made(real, tmp_path_factory):
    corpus, vectors, _, _ = real
    return {name: generate(PAPERS, tmp_path_factory.mktemp(name), seed, corpus, vectors)
            for name, seed in (("first", 7), ("again", 7), ("other", 8))}


def _lines(path: Path) -> list[bytes]:
    return gzip.decompress(path.read_bytes()).splitlines(keepends=True)


def test_same_seed_same_bytes_other_seed_different(made):
    first, again, other = made["first"], made["again"], made["other"]
    assert first.corpus.read_bytes() == again.corpus.read_bytes()
    assert first.embeddings.read_bytes() == again.embeddings.read_bytes()
    assert first.corpus.read_bytes() != other.corpus.read_bytes()
    assert first.embeddings.read_bytes() != other.embeddings.read_bytes()


def test_real_papers_come_first_unchanged_and_the_bench_reads_n_papers(made, real):
    _, _, lines, rows = real
    out = made["first"]
    assert (out.real_lines, out.real_papers, out.papers, out.sigma) == (SAMPLE + 1, SAMPLE, PAPERS, SIGMA)
    written = _lines(out.corpus)
    matrix = np.load(out.embeddings)
    assert written[:len(lines)] == lines
    assert matrix.dtype == np.float16 and matrix.shape == (len(written), 384)
    assert np.array_equal(matrix[:len(rows)], rows)
    papers = read_corpus(out.corpus)
    assert len(papers) == PAPERS
    assert [c.rank for c in papers] == [*range(1, SAMPLE + 1), *range(SAMPLE + 2, len(written) + 1)]


def test_ids_and_titles_are_unique(made):
    records = [json.loads(line) for line in _lines(made["first"].corpus)]
    copies = records[SAMPLE + 1:]
    assert len(copies) == PAPERS - SAMPLE
    real_ids = [r["id"] for r in records[:SAMPLE + 1]]
    assert len({r["id"] for r in records}) == len(records) == len(set(real_ids)) + len(copies)
    titles = [normalize_title(r["title"]) for r in records[:SAMPLE]] + [normalize_title(r["title"]) for r in copies]
    assert len(set(titles)) == PAPERS


def test_copies_are_made_of_their_source_and_the_vocabulary(made, real):
    _, _, lines, _ = real
    sources = [json.loads(line) for line in lines]
    vocabulary = {w for s in sources[:SAMPLE] for w in s["abstract"].lower().split() if w.isascii() and w.isalpha()}
    real_titles = [s["title"].split() for s in sources[:SAMPLE]]
    new_words = total = 0
    for line in _lines(made["first"].corpus)[SAMPLE + 1:]:
        copy = json.loads(line)
        source = sources[copy["copy_of_line"] - 1]
        assert copy["copy_of_line"] <= SAMPLE and copy["copy_of"] == source["id"] and copy["venue"] == source["venue"]
        words, own = copy["abstract"].split(), set(source["abstract"].split())
        assert len(words) == len(source["abstract"].split())
        assert all(w in own or w in vocabulary for w in words)
        new_words += sum(w not in own for w in words)
        total += len(words)
        head = source["title"].split()[: (len(source["title"].split()) + 1) // 2]
        tail = copy["title"].split()[len(head):]
        assert copy["title"].split()[:len(head)] == head
        assert any(t[len(t) // 2:] == tail for t in real_titles)
    # Words swapped with probability 0.15 for alphabetic words; some draws give back a word the source has.
    assert 0.03 < new_words / total < 0.15


def test_vectors_are_unit_and_near_their_source(made):
    out = made["first"]
    matrix = np.load(out.embeddings).astype(np.float32)
    records = [json.loads(line) for line in _lines(out.corpus)[SAMPLE + 1:]]
    copies = matrix[SAMPLE + 1:]
    assert np.allclose(np.linalg.norm(copies, axis=1), 1.0, atol=2e-3)
    sources = matrix[[r["copy_of_line"] - 1 for r in records]]
    cosine = (copies * sources).sum(axis=1) / np.linalg.norm(copies, axis=1) / np.linalg.norm(sources, axis=1)
    # The documented range: about 1 / sqrt(1 + 384 SIGMA^2) = 0.90.
    assert 0.85 < cosine.min() and cosine.max() < 0.95
    assert abs(float(np.median(cosine)) - 0.90) < 0.01


def test_cli_parses_synthetic_and_refuses_too_few_papers(real, tmp_path, monkeypatch, capsys):
    args = build_parser().parse_args(["bench", "--synthetic", "1000000", "--seed", "3"])
    assert (args.synthetic, args.seed) == (1_000_000, 3)
    assert build_parser().parse_args(["bench"]).synthetic is None
    corpus, vectors, _, _ = real
    monkeypatch.setenv("PAPERSCOUT_DATA_DIR", str(tmp_path / "data"))
    capsys.readouterr()
    code = main(["bench", "--synthetic", "299", "--corpus", str(corpus), "--embeddings", str(vectors), "--no-write"])
    err = capsys.readouterr().err
    assert code == 2
    assert err == "paperscout bench: --synthetic 299 is below the real corpus's 300 papers; give at least 300\n"
    assert list(tmp_path.iterdir()) == []


def test_a_synthetic_section_stands_beside_the_real_one_of_the_same_size(tmp_path):
    from bench.report import markdown, section_key, write_section

    machine = {"date": "2026-12-07", "cores": 2, "memory_gb": 23.5, "machine": "x86_64", "python": "3.11", "torch": "2.13"}
    real = {"corpus_size": 999_900, "corpus": "real", "windows": False, "queries": 253, "hybrid_p95_ms": 30.0}
    synthetic = real | {"corpus": "copies", "synthetic": 1_000_000, "hybrid_p95_ms": 35.0, "peak_rss_mb": 5000}
    out = tmp_path / "BENCHMARKS.md"
    for result in (synthetic, real, synthetic | {"hybrid_p95_ms": 41.0}):
        write_section(out, markdown(result, machine), section_key(result))
    text = out.read_text()
    assert (section_key(real), section_key(synthetic)) == ("999900", "synthetic-1000000")
    assert text.count("<!-- corpus-size: synthetic-1000000 -->") == 1 and text.count("<!-- corpus-size: 999900 -->") == 1
    made = text[text.index("## 1,000,000 papers, synthetic: speed and memory, not quality"):]
    assert text.index("## 999,900 papers") < text.index("## 1,000,000 papers, synthetic")
    assert "measure speed and memory only" in made
    # Issue 23's targets at 1M, not the 87k ones.
    assert "| 41.0 ms |  | <= 40 ms | **no** |" in made and "| 5,000 MB |  | <= 4096 MB | **no** |" in made
    assert "| 30.0 ms |  | <= 25 ms | **no** |" in text[:text.index("## 1,000,000")]
