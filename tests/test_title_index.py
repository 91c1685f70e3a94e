"""Title autocomplete from the index gives exactly what scanning every title gave: same papers, same order."""

from __future__ import annotations

import random

import pytest

from corpus.clean import normalize_title
from corpus.ingest import open_corpus
from corpus.paper import Paper
from retrieval.paper_rows import PaperRows
from retrieval.hybrid import HybridRetriever
from retrieval.title_index import TitleIndex

LIMITS = (1, 3, 25, 100, 0, -2)


def scan_complete(papers: list[Paper], by_title: dict[str, Paper], prefix: str, limit: int) -> list[Paper]:
    """The oracle: HybridRetriever.complete_titles as it was before the index (a scan of every title).

    `by_title` is what the retriever's `_by_title` held: {normalize_title(p.title): p for p in papers}.
    """
    key = normalize_title(prefix)
    if not key:
        return papers[:limit]
    starts = [p for t, p in by_title.items() if t.startswith(key)]
    contains = [p for t, p in by_title.items() if key in t and not t.startswith(key)]
    picked = (starts + contains)[:limit]
    if len(picked) < limit:
        terms = set(key.split())
        seen = {p.id for p in picked}
        scored = sorted(
            ((len(terms & set(t.split())), p) for t, p in by_title.items() if p.id not in seen),
            key=lambda x: (-x[0], x[1].title),
        )
        picked += [p for n, p in scored if n > 0][: limit - len(picked)]
    return picked


def retriever_over(papers: list[Paper]) -> HybridRetriever:
    # complete_titles needs only the papers; the rest of a retriever (BM25, vectors, the
    # model) would cost seconds and play no part, so this one is made without them.
    retriever = HybridRetriever.__new__(HybridRetriever)
    retriever.papers = PaperRows.of(papers)
    return retriever


def typed_strings(papers: list[Paper], rng: random.Random, count: int) -> list[str]:
    """What people type: prefixes of real titles, fragments from inside words, short keys, words out of order, misses."""
    titles = [p.title for p in papers]
    words = sorted({w for t in titles for w in t.split()})
    typed = ["", "   ", "?!", "a", "e", "z", "1", "qz", "zzqxw", "é", "É", "α", "über", "naive", "graph learning",
             "learning graph", "of the", "the", "net", "ai", "x y", "ω", "Réseau", "the the"]
    for _ in range(count):
        title = rng.choice(titles) or "x"
        kind = rng.randrange(6)
        if kind == 0:  # a prefix as typed, 1 to 12 characters
            typed.append(title[: rng.randint(1, 12)])
        elif kind == 1:  # a longer prefix, or the whole title
            typed.append(title[: rng.randint(min(12, len(title)), len(title) + 1)])
        elif kind == 2:  # a fragment from the middle, often cutting words
            at = rng.randrange(len(title))
            typed.append(title[at:at + rng.randint(1, 14)])
        elif kind == 3:  # a few words, in any order
            typed.append(" ".join(rng.sample(words, min(len(words), rng.randint(1, 3)))))
        elif kind == 4:  # one or two characters
            typed.append("".join(rng.choice(title) for _ in range(rng.randint(1, 2))))
        else:  # a word with a typo, or a word and a miss
            word = rng.choice(words)
            typed.append(word[:-1] + "q" if rng.random() < 0.5 else f"{word} zzqx")
    return typed


def check(papers: list[Paper], typed: list[str]) -> int:
    """Compare the index with the scan for every typed string and limit; return how many comparisons were made."""
    # A retriever's rows are distinct papers (ids repeat only in TitleIndex's own tests below).
    papers = list({p.id: p for p in papers}.values())
    retriever = retriever_over(papers)
    by_title = {normalize_title(p.title): p for p in papers}
    compared = 0
    for text in typed:
        for limit in LIMITS:
            expected = [p.id for p in scan_complete(papers, by_title, text, limit)]
            got = [p.id for p in retriever.complete_titles(text, limit)]
            assert got == expected, (text, limit)
            compared += 1
    return compared


def test_the_shipped_corpus_completes_as_the_scan_did(tmp_path):
    store = open_corpus(tmp_path / "corpus.sqlite3")
    papers = store.papers()
    store.close()
    assert len(papers) == 440
    typed = typed_strings(papers, random.Random(23), 400)
    # Every prefix of a few real titles, character by character, as autocomplete sees them.
    for paper in papers[::60]:
        typed += [paper.title[:n] for n in range(1, len(paper.title) + 1)]
    assert check(papers, typed) == len(typed) * len(LIMITS)


_SYLLABLES = ["graph", "learn", "ing", "net", "neural", "the", "of", "a", "transform", "er", "ré", "seau", "naïve",
              "Über", "α", "β-VAE", "diffusion", "model", "3D", "GPT-4", "$\\alpha$", "on", "in", "x", "é", "ÉTÉ", "Ω"]


def random_papers(rng: random.Random, count: int) -> list[Paper]:
    """Titles from a small vocabulary (many ties, repeats, accents, Greek, LaTeX); some ids and titles repeat."""
    papers: list[Paper] = []
    for n in range(count):
        words = []
        for _ in range(rng.randint(0, 7)):
            word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 2)))
            words.append(word.upper() if rng.random() < 0.1 else word)
        title = " ".join(words) + rng.choice(["", "", ":", "?", " -"])
        if papers and rng.random() < 0.05:  # the same title again, in other case and punctuation
            title = rng.choice(papers).title.upper() + "!"
        pid = rng.choice(papers).id if papers and rng.random() < 0.02 else f"p{n}"
        papers.append(Paper(id=pid, title=title, abstract="", clean_title=title, clean_abstract="", ingested_at=""))
    return papers


@pytest.mark.parametrize("seed", range(6))
def test_random_corpora_complete_as_the_scan_did(seed):
    rng = random.Random(seed)
    papers = random_papers(rng, rng.choice([0, 1, 40, 300, 1500]) if seed else 1200)
    typed = typed_strings(papers, rng, 250) if papers else ["", "a", "graph", "zz"]
    assert check(papers, typed) == len(typed) * len(LIMITS)


def test_the_fallback_orders_by_shared_words_then_title_then_insertion():
    titles = ["Beta graph", "Alpha graph model", "Graph nets", "alpha graph model", "model graph zeta", "Nothing here"]
    papers = [Paper(id=f"p{i}", title=t, abstract="", clean_title=t, clean_abstract="", ingested_at="")
              for i, t in enumerate(titles)]
    found = [p.title for p in retriever_over(papers).complete_titles("zeta model", 10)]
    # "model graph zeta" contains neither "zeta model" nor starts with it: it leads on two shared words.
    # "alpha graph model" and "Alpha graph model" share a key: the later paper holds it, in the first's place.
    assert found == ["model graph zeta", "alpha graph model"]
    assert [p.title for p in retriever_over(papers).complete_titles("graph", 3)] == ["Graph nets", "Beta graph",
                                                                                     "alpha graph model"]


def test_the_index_reports_its_size():
    papers = random_papers(random.Random(5), 200)
    index = TitleIndex({normalize_title(p.title): (p.id, p.title) for p in papers})
    assert index.size.titles == len(index) == len({normalize_title(p.title) for p in papers})
    assert index.size.bytes > 0 and index.size.build_s >= 0


@pytest.mark.parametrize("chunk", [1, 7, 64])
def test_an_index_built_in_small_chunks_completes_the_same(chunk):
    rng = random.Random(chunk)
    papers = random_papers(rng, 500)
    by_title = {normalize_title(p.title): p for p in papers}
    index = TitleIndex({key: (p.id, p.title) for key, p in by_title.items()}, chunk=chunk)
    for text in typed_strings(papers, rng, 150):
        key = normalize_title(text)
        for limit in (1, 25) if key else ():
            assert index.complete(key, limit) == [p.id for p in scan_complete(papers, by_title, text, limit)]
