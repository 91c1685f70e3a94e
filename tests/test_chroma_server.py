"""The vectors on a real `chroma run` server (CHROMA_HOST/CHROMA_PORT) instead of the embedded store."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest

from bot.settings import Settings
from retrieval.index import IndexPaths, open_index, set_aside_vectors
from retrieval.vector_lock import vector_lock
from retrieval.vectors import ChromaVectors, VectorStoreError, record_ids
from tests.test_vector_reconcile import HashEncoder, papers

CHROMA = Path(sys.executable).with_name("chroma")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Chroma server on 127.0.0.1, for this module only."""
    port = _free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    proc = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    server = f"127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:  # bounded: until the server answers or the deadline passes
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("chroma run did not start")
                time.sleep(0.2)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def server_paths(tmp_path: Path, server: str) -> IndexPaths:
    return IndexPaths(
        bm25=tmp_path / "bm25.npz", vectors=tmp_path / "vectors", vectors_lock=tmp_path / "vectors.lock",
        vector_cache=tmp_path / "vectors.npz", vector_check=tmp_path / "vectors.check.json",
        chroma_server=server,
    )


def test_settings_point_the_vectors_at_the_server(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, paperscout_data_dir=tmp_path, chroma_host="127.0.0.1", chroma_port=8123)
    assert settings.data_dir.index_paths().chroma_server == "127.0.0.1:8123"
    assert Settings(_env_file=None, chroma_host="").data_dir.index_paths().chroma_server is None


def test_reconcile_search_and_rebuild_against_a_chroma_server(tmp_path: Path, chroma_server: str) -> None:
    encoder = HashEncoder()
    where = server_paths(tmp_path, chroma_server)
    corpus = papers(12)
    first = open_index(corpus, where, encoder)
    assert len(first.report.embedded) == 12 and not (tmp_path / "vectors").exists()
    # A partial paper and a gone one are found on the server just as in the embedded store.
    with vector_lock(where.vectors_lock), ChromaVectors(where.vectors, encoder, chroma_server) as store:
        store._collection.delete(ids=[record_ids(corpus[3].id, 3)[1]])
    opened = open_index(corpus[:11], where, encoder)
    assert opened.report.repaired == (corpus[3].id,) and opened.report.removed == (corpus[11].id,)
    hits = opened.retriever.search("Sentence 2 of the abstract about topic 7 says something new.", 1).hits
    assert hits[0].paper.id == corpus[7].id
    # A full rebuild drops the collection on the server.
    assert set_aside_vectors(where) is None
    assert len(open_index(corpus[:11], where, encoder).report.embedded) == 11


def test_an_unreachable_server_is_one_clear_error(tmp_path: Path) -> None:
    where = server_paths(tmp_path, f"127.0.0.1:{_free_port()}")
    with pytest.raises(VectorStoreError, match="Chroma server 127.0.0.1:.*paperscout reindex"):
        open_index(papers(2), where, HashEncoder())
