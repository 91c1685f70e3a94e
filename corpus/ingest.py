"""Read paper pages and JSONL files into candidates, reporting bad input without aborting."""

from __future__ import annotations

import gzip
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from corpus.pages import PageError, parse_page
from corpus.records import Candidate, normalize_arxiv_id, not_a_paper
from corpus.sqlite_store import SqliteCorpusStore
from corpus.store import AddReport, CorpusStore

log = logging.getLogger(__name__)

SHIPPED_PAGES = Path(__file__).resolve().parent / "pages"


@dataclass
class IngestReport:
    """The outcome of ingesting files: what changed and every problem found, by place."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)

    def absorb(self, report: AddReport) -> None:
        """Add the counts of one store batch."""
        self.added += report.added
        self.updated += [pid for pid in report.updated if pid not in self.updated]
        self.unchanged += report.unchanged


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _authors(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    names = []
    for item in value:
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, str) and name.strip():
            names.append(name.strip())
    return tuple(names)


def candidate_from_record(record: Any, source: str, rank: int) -> Candidate:
    """Build a candidate from a JSON object with at least `title` and `abstract`."""
    if not isinstance(record, dict):
        raise ValueError("expected a JSON object")
    title = record.get("title")
    abstract = record.get("abstract", record.get("summary"))
    if not isinstance(title, str) or not title.strip():
        raise ValueError("missing or empty 'title'")
    if abstract is None:
        abstract = ""
    if not isinstance(abstract, str):
        raise ValueError("'abstract' must be a string")
    reason = not_a_paper(title, abstract)
    if reason is not None:
        raise ValueError(f"does not look like a paper: {reason}")
    repo = record.get("github_repo") or record.get("githubRepo")
    return Candidate(
        title=" ".join(title.split()),
        abstract=abstract.strip(),
        source=source,
        rank=rank,
        arxiv_id=normalize_arxiv_id(record.get("arxiv_id") or record.get("arxiv")),
        authors=_authors(record.get("authors")),
        published=record.get("published") if isinstance(record.get("published"), str) else None,
        upvotes=_as_int(record.get("upvotes")),
        github_repo=repo if isinstance(repo, str) and repo.startswith("http") else None,
        github_stars=_as_int(record.get("github_stars", record.get("githubStars"))),
        # The Candidate keeps it only if it is an http(s) URL.
        thumbnail=record.get("thumbnail"),
    )


JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")


def is_jsonl(path: Path) -> bool:
    """Return whether `path` names a JSONL file, gzipped or not."""
    return path.name.lower().endswith(JSONL_SUFFIXES)


def jsonl_source(path: Path) -> str:
    """Return the source name of a JSONL file's papers: its name without suffixes ("papers.jsonl.gz" -> "papers")."""
    name = path.name[:-3] if path.name.lower().endswith(".gz") else path.name
    return Path(name).stem


def open_jsonl(path: Path) -> TextIO:
    """Return a JSONL file opened for reading text (gunzipped if its name ends in .gz; bad bytes replaced)."""
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8", errors="replace")
    return path.open(encoding="utf-8", errors="replace")


def read_jsonl(path: Path, problems: list[str]) -> list[Candidate]:
    """Return the candidates of a JSONL file (gzipped if it ends in .gz); each bad line is added to `problems` and skipped.

    Rank is the line number. Raises OSError (or EOFError, for a cut gzip stream) if the file cannot be read.
    """
    candidates = []
    source = jsonl_source(path)
    with open_jsonl(path) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                candidates.append(candidate_from_record(json.loads(line), source, number))
            except ValueError as exc:  # json.JSONDecodeError is a ValueError too
                problems.append(f"{path}:{number}: skipped: {exc}")
    return candidates


def read_page(path: Path, problems: list[str] | None = None) -> list[Candidate]:
    """Return the candidates of a saved paper page; raise PageError if it holds none.

    A listing that does not look like a paper is skipped, its reason added to `problems`.
    """
    candidates = []
    for item in parse_page(path.read_text(encoding="utf-8", errors="replace")):
        reason = not_a_paper(item.title, item.abstract)
        if reason is not None:
            if problems is not None:
                problems.append(f"{path}: #{item.rank} \u201c{item.title[:80]}\u201d: skipped: does not look like a paper: {reason}")
            continue
        candidates.append(Candidate(title=item.title, abstract=item.abstract, source=path.stem, rank=item.rank))
    return candidates


def ingest_paths(store: CorpusStore, paths: list[Path], now: str | None = None) -> IngestReport:
    """Add every readable paper in `paths` to `store` (not saved); report problems per file."""
    report = IngestReport()
    for path in paths:
        path = Path(path)
        try:
            if is_jsonl(path):
                before = len(report.problems)
                candidates = read_jsonl(path, report.problems)
                if not candidates and len(report.problems) == before:
                    report.problems.append(f"{path}: no papers found")
            else:
                candidates = read_page(path, report.problems)
        except PageError as exc:
            report.problems.append(f"{path}: {exc}")
            continue
        except (OSError, EOFError) as exc:
            report.problems.append(f"{path}: cannot read ({getattr(exc, 'strerror', None) or exc})")
            continue
        if candidates:
            # One transaction per file: a file is stored whole or not at all.
            report.absorb(store.add(candidates, now=now, origin=f"ingest {path.name}"))
    return report


def shipped_pages() -> list[Path]:
    """Return the paper pages shipped with the project, in order."""
    return sorted(SHIPPED_PAGES.glob("*.txt"))


def open_corpus(path: Path, *, legacy_json: Path | None = None, seed: bool = True, readonly: bool = False) -> CorpusStore:
    """Open the store at `path`, importing `legacy_json` once and seeding the shipped pages into an empty store.

    `readonly` (for commands that only look) never writes, and so never seeds.
    """
    store = SqliteCorpusStore.open(path, legacy_json=legacy_json, readonly=readonly)
    if seed and not readonly and len(store) == 0:
        report = ingest_paths(store, shipped_pages())
        for problem in report.problems:
            log.warning("%s", problem)
    return store
