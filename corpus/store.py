"""The corpus store: papers on disk as one JSON document, written atomically."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from corpus.clean import normalize_title
from corpus.paper import Link, Listing, Paper
from corpus.records import Candidate, merge, new_paper, paper_id_for

log = logging.getLogger(__name__)

FORMAT_VERSION = 1


class CorpusError(RuntimeError):
    """The corpus file is missing, corrupt or of an unknown format."""


@dataclass
class AddReport:
    """What adding a batch of candidates did to the store."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        """Return whether anything was added or updated."""
        return bool(self.added or self.updated)


def utc_now() -> str:
    """Return the current UTC time as an ISO 8601 string with seconds."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` so a reader sees either the old or the new file, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _paper_to_json(paper: Paper) -> dict[str, Any]:
    data = asdict(paper)
    data["authors"] = list(paper.authors)
    return data


def _paper_from_json(data: dict[str, Any]) -> Paper:
    return Paper(
        **{
            **data,
            "links": tuple(Link(**link) for link in data.get("links", ())),
            "listings": tuple(Listing(**listing) for listing in data.get("listings", ())),
            "authors": tuple(data.get("authors", ())),
        }
    )


class CorpusStore:
    """Papers by id, matched across sources by arXiv id, else by normalized title."""

    def __init__(self, path: Path, papers: Iterable[Paper] = ()) -> None:
        self.path = Path(path)
        self._papers: dict[str, Paper] = {}
        self._by_arxiv: dict[str, str] = {}
        self._by_title: dict[str, str] = {}
        for paper in papers:
            self._put(paper)

    @classmethod
    def open(cls, path: Path) -> CorpusStore:
        """Load the store at `path`; a missing file gives an empty store."""
        path = Path(path)
        if not path.exists():
            return cls(path)
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            if doc.get("format") != FORMAT_VERSION:
                raise CorpusError(f"{path}: unknown corpus format {doc.get('format')!r}")
            papers = [_paper_from_json(item) for item in doc["papers"]]
        except CorpusError:
            raise
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise CorpusError(
                f"{path} is unreadable or corrupt ({exc.__class__.__name__}); "
                "move it away and run `paperscout ingest` again to rebuild it"
            ) from exc
        return cls(path, papers)

    def save(self) -> None:
        """Persist every paper atomically."""
        doc = {"format": FORMAT_VERSION, "papers": [_paper_to_json(p) for p in self._papers.values()]}
        write_atomic(self.path, json.dumps(doc, ensure_ascii=False, indent=0).encode("utf-8"))

    def __len__(self) -> int:
        return len(self._papers)

    def __iter__(self):
        return iter(self._papers.values())

    def __contains__(self, paper_id: object) -> bool:
        return paper_id in self._papers

    def get(self, paper_id: str) -> Paper | None:
        """Return the paper with this id, if any."""
        return self._papers.get(paper_id)

    def papers(self) -> list[Paper]:
        """Return all papers in insertion order."""
        return list(self._papers.values())

    def find(self, *, arxiv_id: str | None = None, title: str | None = None) -> Paper | None:
        """Return the stored paper matching an arXiv id, else a title."""
        if arxiv_id and arxiv_id in self._by_arxiv:
            return self._papers[self._by_arxiv[arxiv_id]]
        if title:
            key = normalize_title(title)
            if key in self._by_title:
                return self._papers[self._by_title[key]]
        return None

    def _put(self, paper: Paper) -> None:
        self._papers[paper.id] = paper
        self._by_title.setdefault(normalize_title(paper.title), paper.id)
        if paper.arxiv_id:
            self._by_arxiv[paper.arxiv_id] = paper.id

    def _fresh_id(self, title: str) -> str:
        base = paper_id_for(title)
        candidate, n = base, 1
        # Two different normalized titles sharing a hash prefix is unlikely, but never merge them.
        while candidate in self._papers:
            n += 1
            candidate = f"{base}-{n}"
        return candidate

    def add(self, candidates: Iterable[Candidate], now: str | None = None) -> AddReport:
        """Match each candidate to a stored paper (updating it) or store it as new."""
        now = now or utc_now()
        report = AddReport()
        for cand in candidates:
            existing = self.find(arxiv_id=cand.arxiv_id, title=cand.title)
            if existing is None:
                paper = new_paper(cand, self._fresh_id(cand.title), now)
                self._put(paper)
                report.added.append(paper.id)
                continue
            merged = merge(existing, cand)
            if merged == existing:
                report.unchanged += 1
                continue
            self._put(merged)
            if existing.id not in report.added and existing.id not in report.updated:
                report.updated.append(existing.id)
        return report

    def stats(self) -> dict[str, Any]:
        """Return counts of papers, papers by source, and the newest ingest time."""
        by_source: Counter[str] = Counter()
        for paper in self._papers.values():
            for source in paper.sources:
                by_source[source] += 1
        newest = max((p.ingested_at for p in self._papers.values()), default=None)
        return {"papers": len(self._papers), "by_source": dict(sorted(by_source.items())), "newest_ingest": newest}
