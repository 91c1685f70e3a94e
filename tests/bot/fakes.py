"""Hand-written fakes of PaperScout's own interfaces: a retriever over a few papers, an event list."""

from __future__ import annotations

import re

from bot.core.engagement import EngagementEvent
from corpus.clean import normalize_title
from corpus.paper import Link, Listing, Paper
from retrieval.answer import QuestionAnswer, Quote as AnswerQuote
from retrieval.filters import SearchFilters, has_code, published_day
from retrieval.query import clean_query
from retrieval.tokenize import tokenize, words
from retrieval.types import Hit, QueryError, SearchResult

EXPLODE = "explode"
LONG_ABSTRACT_WORDS = 1500


def make_paper(
    pid: str,
    title: str,
    abstract: str,
    *,
    arxiv_id: str | None = None,
    code: str | None = None,
    listings: tuple[tuple[str, int], ...] = (("000_a8f2f76e0bca95a6", 1),),
    authors: tuple[str, ...] = (),
    published: str | None = None,
) -> Paper:
    """Build a Paper the way the corpus does, with a search link first like shipped papers."""
    links = [Link(url=f"https://arxiv.org/search/?query={pid}", kind="search", label="Search arXiv")]
    if code:
        links.append(Link(url=code, kind="code", label="Code"))
    return Paper(
        id=pid,
        title=title,
        abstract=abstract,
        clean_title=title,
        clean_abstract=abstract,
        ingested_at="2025-01-01T00:00:00+00:00",
        links=tuple(links),
        listings=tuple(Listing(source=s, rank=r) for s, r in listings),
        arxiv_id=arxiv_id,
        authors=authors,
        published=published,
    )


IMPLICIT = make_paper(
    "p-implicit",
    "Efficient and Modular Implicit Differentiation",
    "Automatic differentiation has revolutionized machine learning. "
    "We propose automatic implicit differentiation, an efficient and modular approach for implicit "
    "differentiation of optimization problems. Our approach combines implicit differentiation and autodiff.",
    arxiv_id="2105.15183",
    code="https://github.com/google/jaxopt",
    listings=(("000_a8f2f76e0bca95a6", 1), ("004_73eb19a123f61fd6", 125)),
    authors=("Mathieu Blondel", "Quentin Berthet"),
)
SINKHORN = make_paper(
    "p-sinkhorn",
    "Sinkhorn Distances: Lightspeed Computation of Optimal Transport",
    "Optimal transport distances are a fundamental family of distances. "
    "We smooth the problem with an entropic regularizer so that Sinkhorn's matrix scaling computes it "
    "several orders of magnitude faster than transport solvers.",
    listings=(("001_16ab7b62327f89ba", 12),),
)
FAST_SINKHORN = make_paper(
    "p-fast-sinkhorn",
    "Faster Sinkhorn Iterations with Newton Steps",
    "Sinkhorn iterations converge slowly on hard problems. We add Newton steps so the Sinkhorn "
    "algorithm for optimal transport converges faster.",
)
MARKDOWN = make_paper(
    "p-markdown",
    "A *Bold* _Claim_ about `code`, ||spoilers|| and ~~strikes~~",
    "# Not a heading\n> not a quote\nWe study **markdown** in abstracts, [links](https://evil.example) "
    "and mentions like @everyone and <@&123> in the sinkhorn literature.",
)
LONG = make_paper(
    "p-long",
    "A Survey With an Extremely Long Abstract on Transformers",
    " ".join(f"transformers{'.' if i % 20 == 19 else ''}" if i % 7 == 0 else f"word{i}" for i in range(LONG_ABSTRACT_WORDS)),
)
ATTENTION = make_paper(
    "p-attention",
    "Attention Is All You Need",
    "The dominant sequence transduction models are based on recurrent networks. "
    "We propose the Transformer, based solely on attention mechanisms.",
    code="https://github.com/tensorflow/tensor2tensor",
)
GRAPHS = tuple(
    make_paper(
        f"p-graph-{i}",
        f"Graph Neural Networks for Task {i}",
        f"We apply graph neural networks to task {i}. Message passing on graphs learns node features.",
        listings=(("002_605c12a609c49e72", i + 1),),
    )
    for i in range(7)
)
PAPERS: tuple[Paper, ...] = (IMPLICIT, SINKHORN, FAST_SINKHORN, MARKDOWN, LONG, ATTENTION, *GRAPHS)


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]


class FakeRetriever:
    """The HybridRetriever methods the bot uses, over a handful of papers, scored by shared stems."""

    def __init__(self, papers: tuple[Paper, ...] = PAPERS) -> None:
        self.papers = list(papers)
        self._stems = {p.id: set(tokenize(p.text)) for p in self.papers}
        self.searches: list[tuple[str, int]] = []

    def __len__(self) -> int:
        return len(self.papers)

    def get(self, paper_id: str) -> Paper | None:
        """Return a paper by id."""
        return next((p for p in self.papers if p.id == paper_id), None)

    def find_title(self, title: str) -> Paper | None:
        """Return the paper with this normalized title."""
        key = normalize_title(title)
        return next((p for p in self.papers if normalize_title(p.title) == key), None)

    def complete_titles(self, prefix: str, limit: int = 25) -> list[Paper]:
        """Return titles starting with, then containing, what was typed."""
        key = normalize_title(prefix)
        if not key:
            return self.papers[:limit]
        starts = [p for p in self.papers if normalize_title(p.title).startswith(key)]
        contains = [p for p in self.papers if key in normalize_title(p.title) and p not in starts]
        return (starts + contains)[:limit]

    def best_sentence(self, paper: Paper, query: str) -> str:
        """Return the abstract sentence sharing most stems with the query."""
        q = set(tokenize(query))
        sentences = _sentences(paper.clean_abstract)
        if not sentences:
            return ""
        return max(sentences, key=lambda s: (len(set(tokenize(s)) & q), -sentences.index(s)))

    def _hit(self, paper: Paper, rank: int, query: str, score: float) -> Hit:
        stems = self._stems[paper.id]
        matched = tuple(w for w in dict.fromkeys(words(query)) if tokenize(w) and set(tokenize(w)) <= stems)
        q = set(tokenize(query)) or {""}
        return Hit(
            paper=paper,
            rank=rank,
            score=score,
            bm25_rank=rank if matched else None,
            bm25_score=score,
            matched_terms=matched,
            dense_similarity=min(1.0, len(q & stems) / len(q)),
            best_sentence=self.best_sentence(paper, query),
        )

    def _passes(self, paper: Paper, filters: SearchFilters | None) -> bool:
        if filters is None:
            return True
        day = published_day(paper)
        if filters.dated and (day is None or (filters.since and day < filters.since) or (filters.until and day > filters.until)):
            return False
        if filters.has_code and not has_code(paper):
            return False
        return not any(set(tokenize(x)) <= self._stems[paper.id] for x in filters.exclude if tokenize(x))

    def search(self, query: str, k: int = 10, filters: SearchFilters | None = None) -> SearchResult:
        """Rank papers by shared stems; weak when none shares any."""
        text, note = clean_query(query)
        if EXPLODE in text:
            raise RuntimeError("the fake retriever exploded, as asked")
        self.searches.append((text, k))
        q = set(tokenize(text))
        allowed = [p for p in self.papers if self._passes(p, filters)]
        scored = sorted(
            ((len(q & self._stems[p.id]), i, p) for i, p in enumerate(allowed)), key=lambda t: (-t[0], t[1])
        )[:k]
        weak = not scored or scored[0][0] == 0
        hits = tuple(self._hit(p, rank, text, float(s)) for rank, (s, _, p) in enumerate(scored, start=1))
        undated = sum(1 for p in self.papers if published_day(p) is None) if filters and filters.dated else 0
        matching = len(allowed) if filters is not None and filters.active else None
        return SearchResult(query=text, hits=hits, weak=weak, note=note, matching=matching, undated=undated)

    def answer(self, result: SearchResult, max_papers: int = 3) -> QuestionAnswer:
        """Quote each of the first hits' best sentence, cited by position; nothing when the match is weak."""
        if result.weak:
            return QuestionAnswer(result.query, "topic", ())
        quotes = tuple(
            AnswerQuote(h.paper.id, n, h.best_sentence, 1.0)
            for n, h in enumerate(result.hits[:max_papers], start=1) if h.best_sentence
        )
        return QuestionAnswer(result.query, "topic", quotes)

    def count_passing(self, paper_ids, filters: SearchFilters) -> int:
        """Return how many of these papers pass the filters."""
        return sum(1 for pid in paper_ids if (p := self.get(pid)) is not None and self._passes(p, filters))

    def find_arxiv(self, arxiv_id: str) -> Paper | None:
        """Return the paper with this arXiv id."""
        return next((p for p in self.papers if p.arxiv_id == arxiv_id), None)

    def similar(self, paper_id: str, k: int = 5) -> SearchResult:
        """Return the papers sharing most stems with one paper."""
        paper = self.get(paper_id)
        if paper is None:
            raise QueryError("I don't know that paper. Pick a title from the suggestions.")
        mine = self._stems[paper_id]
        others = sorted(
            ((len(mine & self._stems[p.id]), i, p) for i, p in enumerate(self.papers) if p.id != paper_id),
            key=lambda t: (-t[0], t[1]),
        )[:k]
        hits = tuple(self._hit(p, rank, paper.clean_title, float(s)) for rank, (s, _, p) in enumerate(others, start=1))
        return SearchResult(query=paper.title, hits=hits, weak=False)


class ListSink:
    """An event sink that keeps events in a list for assertions."""

    def __init__(self) -> None:
        self.events: list[EngagementEvent] = []
        self.closed = False

    def record(self, event: EngagementEvent) -> None:
        """Keep the event."""
        self.events.append(event)

    def close(self) -> None:
        """Remember that the sink was closed."""
        self.closed = True

    def kinds(self) -> list[str]:
        """Return the kinds recorded, in order."""
        return [e.kind for e in self.events]
