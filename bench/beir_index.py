"""An index over a BEIR directory's corpus, for scoring its queries (eval --beir, the mechanical checks)."""

from __future__ import annotations

from pathlib import Path

from bot.datadir import DataDir
from corpus.records import Candidate, new_paper
from corpus.store import utc_now
from retrieval.encoder import Encoder, MiniLMEncoder
from retrieval.evaluate import Judged, load_beir
from retrieval.hybrid import HybridRetriever
from retrieval.index import open_retriever


def open_beir(directory: Path, index_dir: Path, encoder: Encoder | None = None, progress: bool = False) -> tuple[HybridRetriever, list[Judged]]:
    """Return a retriever over the directory's corpus, its index kept in `index_dir`, and the directory's queries.

    `index_dir` should be a scratch directory: evaluation must never touch the bot's data dir.
    """
    corpus, queries = load_beir(directory)
    now = utc_now()
    papers = [
        new_paper(Candidate(title=str(d.get("title") or ""), abstract=str(d.get("text") or ""), source="beir", rank=i + 1), str(d["_id"]), now)
        for i, d in enumerate(corpus)
    ]
    retriever = open_retriever(papers, DataDir(index_dir).index_paths(), encoder or MiniLMEncoder(), progress=progress)
    return retriever, queries
