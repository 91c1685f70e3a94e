"""The shipped papers' vectors: equal to the model's, current with the shipped pages, and used on a first start."""

from __future__ import annotations

import dataclasses
import random

import numpy as np
import pytest

from bot.datadir import DataDir
from bot.services import open_services
from retrieval.ship_vectors import shipped_papers
from retrieval.shipped_vectors import REBUILD, SHIPPED_FILE, load_shipped
from retrieval.vectors import TEXT_VERSION, texts_of, vector_digest

SAMPLE = 24


@pytest.fixture(scope="module")
def shipped():
    vectors = load_shipped()
    assert vectors is not None, f"{SHIPPED_FILE} is missing: run `{REBUILD}`"
    return vectors


@pytest.fixture(scope="module")
def papers():
    return shipped_papers()


class CountingEncoder:
    """The real encoder, counting the texts sent to it."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.name = inner.name
        self.texts: list[str] = []

    def encode(self, texts):
        self.texts += list(texts)
        return self.inner.encode(texts)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def test_the_file_is_small_and_made_for_this_model_and_text(shipped, encoder):
    assert dict(shipped.signature) == {"model": encoder.name, "text_version": TEXT_VERSION}
    assert shipped.rows.dtype == np.float16
    assert SHIPPED_FILE.stat().st_size < 8_000_000


def test_every_shipped_paper_is_in_the_file_with_its_current_texts(shipped, papers):
    missing = [p.id for p in papers if shipped.vectors(vector_digest(texts_of(p)), len(texts_of(p))) is None]
    assert not missing, f"{len(missing)} shipped papers have no current shipped vectors (e.g. {missing[:3]}): run `{REBUILD}`"


def test_a_random_sample_of_shipped_vectors_equals_the_model(shipped, papers, encoder):
    rng = random.Random()  # a new sample each run: over time, every row gets checked
    texts, rows = [], []
    for paper in rng.sample(papers, SAMPLE):
        paper_texts = texts_of(paper)
        stored = shipped.vectors(vector_digest(paper_texts), len(paper_texts))
        i = rng.randrange(len(paper_texts))
        texts.append(paper_texts[i])
        rows.append(stored[i])
    fresh = encoder.encode(texts)
    cosines = np.sum(fresh * np.vstack(rows), axis=1) / np.linalg.norm(fresh, axis=1)
    assert cosines.min() >= 0.999, list(zip(texts, cosines))


def test_an_empty_data_dir_embeds_no_shipped_paper(tmp_path, encoder, capsys):
    counting = CountingEncoder(encoder)
    services = open_services(DataDir(tmp_path / "data").prepare(), encoder=counting, progress=True)
    assert counting.texts == []
    assert len(services.retriever) == len(services.store) > 400
    assert "Using the shipped vectors for" in capsys.readouterr().err
    hits = services.retriever.search("vision transformer image patches", k=3).hits
    assert hits


def test_a_changed_shipped_paper_is_still_embedded(tmp_path, shipped, papers, encoder):
    from retrieval.index import open_index

    changed = dataclasses.replace(papers[0], clean_abstract=papers[0].clean_abstract + " A sentence that was never shipped.")
    corpus = [changed, *papers[1:]]
    counting = CountingEncoder(encoder)
    opened = open_index(corpus, DataDir(tmp_path / "data").prepare().index_paths(), counting)
    assert counting.texts == texts_of(changed)
    assert opened.report.embedded  # every paper written to the store, only one of them encoded
    row = opened.retriever.vectors.doc_rows([p.id for p in opened.retriever.papers].index(changed.id))
    np.testing.assert_allclose(row, encoder.encode([changed.text])[0], rtol=2**-11, atol=1e-5)  # float16, as kept
