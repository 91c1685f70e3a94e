"""Index files mapped rather than read: the same arrays as np.load, read-only, and a clear error for a bad file."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from retrieval.npz_mmap import mapped_npz, save_aligned_npz


def _arrays() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {"doc": rng.standard_normal((50, 384)).astype(np.float32), "starts": np.arange(51, dtype=np.int64),
            "empty": np.zeros((0, 384), dtype=np.float32), "one": np.array([7], dtype=np.int64),
            "text": np.frombuffer("ab\x1ecd".encode(), dtype=np.uint8),
            "fortran": np.asfortranarray(rng.integers(0, 9, size=(4, 6)).astype(np.uint16))}


def test_mapped_arrays_equal_what_np_load_reads(tmp_path: Path) -> None:
    path = tmp_path / "index.npz"
    arrays = _arrays()
    np.savez(path, **arrays)
    mapped = mapped_npz(path)
    assert set(mapped) == set(arrays)
    for name, array in arrays.items():
        assert mapped[name].dtype == array.dtype and mapped[name].shape == array.shape
        assert np.array_equal(mapped[name], array), name
        assert not mapped[name].flags.writeable and mapped[name].flags.aligned


@pytest.mark.parametrize("zip64", [False, True])
def test_aligned_files_are_mapped_in_place_and_read_by_np_load(tmp_path: Path, monkeypatch, zip64: bool) -> None:
    if zip64:
        # Members past this size get zip64 sizes in their headers: a longer header the padding must allow for.
        monkeypatch.setattr(zipfile, "ZIP64_LIMIT", 4096)
    path = tmp_path / "index.npz"
    arrays = _arrays()
    with open(path, "wb") as handle:
        save_aligned_npz(handle, arrays)
    mapped = mapped_npz(path)
    with np.load(path) as loaded:
        assert set(loaded.files) == set(arrays) == set(mapped)
        for name, array in arrays.items():
            assert np.array_equal(loaded[name], array) and np.array_equal(mapped[name], array), name
            assert mapped[name].dtype == array.dtype and mapped[name].shape == array.shape
            # A view of the mapping on a 64-byte boundary, not a copy.
            assert not mapped[name].flags.owndata and mapped[name].ctypes.data % 64 == 0, name
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None


def test_a_file_replaced_after_mapping_leaves_the_mapped_arrays_as_they_were(tmp_path: Path) -> None:
    path = tmp_path / "index.npz"
    np.savez(path, doc=np.ones((10, 384), dtype=np.float32))
    mapped = mapped_npz(path)
    aside = tmp_path / "new.npz"
    np.savez(aside, doc=np.zeros((10, 384), dtype=np.float32))
    aside.replace(path)  # how index files are written: aside, then renamed over
    assert float(mapped["doc"].sum()) == 10 * 384


@pytest.mark.parametrize("damage", ["truncated", "empty", "compressed", "not a zip"])
def test_a_damaged_or_foreign_file_raises_an_error_the_loaders_catch(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "index.npz"
    if damage == "compressed":
        np.savez_compressed(path, **_arrays())
    else:
        np.savez(path, **_arrays())
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "not a zip":
        path.write_bytes(b"plain text, not an index" * 10)
    with pytest.raises((ValueError, zipfile.BadZipFile, OSError)):
        mapped_npz(path)
