"""Paper vectors kept as float16 (the cache file's form) and scored in float32."""

from __future__ import annotations

import numpy as np
import pytest

import retrieval.vector_matrix as vector_matrix
from retrieval.vector_matrix import VectorMatrix


def _unit(rows: int, seed: int = 0) -> np.ndarray:
    m = np.random.default_rng(seed).standard_normal((rows, 384)).astype(np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


@pytest.mark.parametrize("rows", [0, 3, 90, 5000])  # none, a few, and more than one conversion chunk
def test_float16_rows_convert_exactly_subnormals_included(rows: int) -> None:
    doc = _unit(max(rows, 1))[:rows]
    doc[:, :8] = 3e-6  # subnormal in float16
    stored = VectorMatrix.from_rows([r[None, :] for r in doc]).stored() if rows else VectorMatrix.from_rows([]).stored()
    assert stored.doc.dtype == np.float16
    picked = np.arange(rows)[::-1]
    got = stored.doc_rows(picked)
    assert got.dtype == np.float32 and got.shape == (rows, 384)
    np.testing.assert_array_equal(got, stored.doc[picked].astype(np.float32))


def test_products_over_every_row_equal_the_float32_product_in_blocks_or_from_the_kept_copy(monkeypatch) -> None:
    doc = _unit(2000, seed=1)
    query = _unit(1, seed=2)[0]
    stored = VectorMatrix.from_rows([r[None, :] for r in doc]).stored()
    want = stored.doc.astype(np.float32) @ query
    np.testing.assert_allclose(stored.doc_products(query), want, rtol=1e-6, atol=1e-7)  # the kept float32 copy
    monkeypatch.setattr(vector_matrix, "_KEEP_FLOAT32_UP_TO", 10)
    monkeypatch.setattr(vector_matrix, "_BLOCK", 300)
    fresh = VectorMatrix(stored.doc, stored.windows, stored.window_start)
    np.testing.assert_allclose(fresh.doc_products(query), want, rtol=1e-6, atol=1e-7)  # block by block
    assert "_doc32" not in fresh.__dict__


def test_a_read_only_mapped_float16_matrix_converts_without_a_warning(tmp_path) -> None:
    import warnings

    path = tmp_path / "doc.npy"
    np.save(path, _unit(200, seed=3).astype(np.float16))
    mapped = np.load(path, mmap_mode="r")
    assert not mapped.flags.writeable
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = VectorMatrix(mapped, np.zeros((0, 384), np.float16), np.zeros(201, np.int64)).doc_products(_unit(1)[0])
    assert got.shape == (200,) and got.dtype == np.float32
