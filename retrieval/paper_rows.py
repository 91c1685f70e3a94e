"""The papers an index serves, read from where they are kept when asked for, not held in memory.

At a million papers, holding every paper in each process cost 51 s at start and 2.8 GB. The
index keeps only each row's paper id; `PaperRows` reads a paper from its source (the corpus
store, or a list in tests and tools) when a result shows it, and keeps the last few thousand.

A row's paper is the source's current version: edited since the index was built, it shows
the new text; removed since, it shows as a blank paper that says so. A serving process opens
a new index as soon as the store's revision moves, so either lasts seconds.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Iterator, Protocol, overload

from corpus.clean import normalize_title
from corpus.paper import Paper, links_to_code

# Papers kept after a read: a page of results, its details and its similar papers read again
# without the store (about 3 KB a paper).
KEPT = 4096
# Papers read per query when every row is walked (an author index, a digest).
WALK_BATCH = 2048

REMOVED_TITLE = "(removed from the corpus since this search was set up)"


class PaperSource(Protocol):
    """Where an index's papers are kept: the corpus store (corpus/store.py) or a `ListSource`."""

    def keys(self) -> dict[str, str]: ...
    def fetch(self, ids: Sequence[str]) -> list[Paper]: ...
    def facts(self) -> dict[str, tuple[str | None, bool]]: ...
    def titles(self) -> dict[str, str]: ...
    def authors(self) -> Iterator[tuple[str, tuple[str, ...]]]: ...
    def find(self, *, arxiv_id: str | None = None, title: str | None = None) -> Paper | None: ...


class ListSource:
    """Papers held in a list, answering as the corpus store does (its order is the store order)."""

    def __init__(self, papers: Sequence[Paper]) -> None:
        self._by_id = {p.id: p for p in papers}

    def keys(self) -> dict[str, str]:
        return {pid: p.content_digest for pid, p in self._by_id.items()}

    def fetch(self, ids: Sequence[str]) -> list[Paper]:
        wanted = set(ids)
        return [p for pid, p in self._by_id.items() if pid in wanted]

    def facts(self) -> dict[str, tuple[str | None, bool]]:
        return {pid: (p.published, links_to_code(p.github_repo, (link.kind for link in p.links))) for pid, p in self._by_id.items()}

    def titles(self) -> dict[str, str]:
        return {pid: p.title for pid, p in self._by_id.items()}

    def authors(self) -> Iterator[tuple[str, tuple[str, ...]]]:
        return ((pid, p.authors) for pid, p in self._by_id.items())

    def find(self, *, arxiv_id: str | None = None, title: str | None = None) -> Paper | None:
        papers = self._by_id.values()
        key = normalize_title(title) if title else None
        return next((p for p in papers if arxiv_id and p.arxiv_id == arxiv_id), None) \
            or next((p for p in papers if key and normalize_title(p.title) == key), None)


def removed_paper(paper_id: str) -> Paper:
    """Return what a row shows for a paper no longer in its source."""
    return Paper(id=paper_id, title=REMOVED_TITLE, abstract="", clean_title=REMOVED_TITLE, clean_abstract="", ingested_at="")


class PaperRows(Sequence[Paper]):
    """Row i is paper `ids[i]` of `source`, read when asked for; safe to share between threads."""

    def __init__(self, source: PaperSource, ids: Sequence[str]) -> None:
        self.source = source
        self.ids = tuple(ids)
        self._kept: OrderedDict[str, Paper] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def of(cls, papers: Sequence[Paper]) -> PaperRows:
        """Return rows over papers held in memory, in their order."""
        if isinstance(papers, PaperRows):
            return papers
        papers = list(papers)
        return cls(ListSource(papers), [p.id for p in papers])

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, row: int) -> Paper: ...
    @overload
    def __getitem__(self, row: slice) -> list[Paper]: ...

    def __getitem__(self, row: int | slice) -> Paper | list[Paper]:
        if isinstance(row, slice):
            return self.papers(self.ids[row])
        return self.papers((self.ids[row],))[0]

    def __iter__(self) -> Iterator[Paper]:
        for start in range(0, len(self.ids), WALK_BATCH):
            yield from self.papers(self.ids[start:start + WALK_BATCH], keep=False)

    def authors(self) -> Iterator[tuple[int, tuple[str, ...]]]:
        """Yield (row, authors) of every row whose paper the source holds, in the source's order (not whole papers)."""
        row_of = {pid: row for row, pid in enumerate(self.ids)}
        for pid, authors in self.source.authors():
            row = row_of.get(pid)
            if row is not None:
                yield row, authors

    def papers(self, ids: Sequence[str], keep: bool = True) -> list[Paper]:
        """Return the papers of `ids`, in that order; `keep` remembers them for the next reads."""
        with self._lock:
            known = {pid: self._kept[pid] for pid in ids if pid in self._kept}
            for pid in known:
                self._kept.move_to_end(pid)
        missing = [pid for pid in dict.fromkeys(ids) if pid not in known]
        if missing:
            read = {p.id: p for p in self.source.fetch(missing)}
            known |= read
            if keep:
                with self._lock:
                    self._kept.update(read)
                    while len(self._kept) > KEPT:
                        self._kept.popitem(last=False)
        return [known.get(pid) or removed_paper(pid) for pid in ids]
