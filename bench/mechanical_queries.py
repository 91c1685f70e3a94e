"""A quality check nobody tunes on: queries made mechanically from papers sampled out of a large corpus.

For each of `papers` papers drawn (with `seed`) from a JSONL(.gz) corpus:
- a known-item query: the title's words shuffled, about a third of them dropped (at least
  three kept), as someone half-remembering a title types it;
- a passage query: the sentence in the middle of the abstract, as someone quoting what a
  paper says rather than what it is called;
- a question: part of the title (about a third of its words dropped, order kept) inside a
  question ("is there work on ...?"), so the question's own words surround the topic;
- a paraphrase-like query: the abstract sentence sharing fewest words with the title, with
  every word of the title and the rarest third of its other words taken out, so what is
  left shares only everyday words with the paper (a stand-in for a description in other
  words: a mechanical check cannot write true paraphrases).
The one relevant paper of each query is its source. The index holds the sampled papers
plus the shipped corpus (as distractors). The result is a BEIR directory, which
`paperscout eval --beir` scores; `paperscout eval --generated CORPUS` does both at once.

A second check is for the weak-match flag, over the shipped corpus alone: answerable
queries of the four kinds made the same way from shipped papers, and
negatives made the same way from robotics papers of the scale corpus (robots, sensors,
mechanisms: nothing the shipped corpus is about), titles that name a learning or
optimization topic left out so a negative is not close to the corpus by accident.
The scale corpus stays outside the repo; this generator and its default seed are the record.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from pathlib import Path

from bench.corpus_file import read_corpus
from corpus.clean import clean_text
from corpus.ingest import open_jsonl
from corpus.records import Candidate
from retrieval.sentences import split_sentences
from retrieval.tokenize import STOPWORDS

DEFAULT_PAPERS = 1000
DEFAULT_SEED = 13
# Share of a title's words a known-item query or a question leaves out.
DROP = 0.33
QUESTIONS = (
    "is there work on {}?",
    "are there papers about {}?",
    "what is known about {}?",
    "how do people approach {}?",
    "which papers study {}?",
    "any good references for {}?",
)
# A paraphrase-like query keeps at most this many words.
PARAPHRASE_WORDS = 16
# The weak check's negatives: papers of these venues whose titles match no ON_TOPIC word.
OFF_TOPIC_VENUES = frozenset({"iros", "icra", "rss", "corl"})
ON_TOPIC = re.compile(
    r"learn|language|llm|neural|network|reinforcement|optimi|diffusion|transformer|gradient|theor|proof|reason"
    r"|math|generative|bayes|probabil|stochastic|statistic|convex|bandit|polic|agent",
    re.IGNORECASE,
)
DEFAULT_WEAK_PAPERS = 200


def known_item_query(title: str, rng: random.Random) -> str:
    """Return the title's words shuffled with about a third dropped (at least three kept, or all if fewer)."""
    words = title.split()
    kept = [w for w in words if rng.random() >= DROP]
    if len(kept) < min(3, len(words)):
        kept = rng.sample(words, min(3, len(words)))
    rng.shuffle(kept)
    return " ".join(kept)


def question_query(title: str, rng: random.Random) -> str:
    """Return part of the title, lowercased, about a third of its words dropped (order kept), inside a question."""
    words = title.split()
    kept = [w for w in words if rng.random() >= DROP] or words
    return rng.choice(QUESTIONS).format(" ".join(kept).lower().rstrip("?.!"))


def _fold_words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def paraphrase_query(title: str, abstract: str, doc_freq: Counter[str]) -> str | None:
    """Return the abstract sentence sharing fewest words with the title, with the title's and the rarest words removed.

    "Rarest" is by document frequency `doc_freq` over the sampled corpus: the third of the
    sentence's remaining distinct content words (not stopwords) that occur in fewest abstracts. None when no
    sentence of eight words or more leaves four words.
    """
    title_words = set(_fold_words(title))
    sentences = [s for s in split_sentences(clean_text(abstract)) if len(s.split()) >= 8]
    if not sentences:
        return None
    sentence = min(sentences, key=lambda s: (len(set(_fold_words(s)) & title_words), sentences.index(s)))
    words = [w for w in sentence.split() if not set(_fold_words(w)) & title_words and _fold_words(w)]
    distinct = sorted({k for w in words for k in _fold_words(w) if k not in STOPWORDS}, key=lambda k: (doc_freq[k], k))
    rare = set(distinct[: len(distinct) // 3])
    kept = [w for w in words if not set(_fold_words(w)) & rare][:PARAPHRASE_WORDS]
    return " ".join(kept).strip(" ,;:.") if len(kept) >= 4 else None


def passage_query(abstract: str) -> str | None:
    """Return the middle sentence of the abstract, or None if it has no sentence of eight words or more."""
    sentences = [s for s in split_sentences(clean_text(abstract)) if len(s.split()) >= 8]
    return sentences[len(sentences) // 2] if sentences else None


def abstract_doc_freq(papers: list[Candidate]) -> Counter[str]:
    """Return in how many of the papers' abstracts each folded word occurs."""
    doc_freq: Counter[str] = Counter()
    for paper in papers:
        doc_freq.update(set(_fold_words(paper.abstract)))
    return doc_freq


def queries_for(paper: Candidate, rng: random.Random, doc_freq: Counter[str]) -> dict[str, str | None]:
    """Return the paper's query of each type (None where its abstract has no usable sentence)."""
    return {
        "known_item": known_item_query(paper.title, rng),
        "passage": passage_query(paper.abstract),
        "question": question_query(paper.title, rng),
        "paraphrase": paraphrase_query(paper.title, paper.abstract, doc_freq),
    }


def generate(corpus: Path, papers: int = DEFAULT_PAPERS, seed: int = DEFAULT_SEED) -> tuple[list[Candidate], list[dict]]:
    """Return the sampled papers and their queries ({"id", "type", "query", "paper"}: index into the papers)."""
    rng = random.Random(seed)
    pool = read_corpus(corpus)
    sampled = rng.sample(pool, min(papers, len(pool)))
    doc_freq = abstract_doc_freq(sampled)
    queries = []
    for i, paper in enumerate(sampled):
        for kind, query in queries_for(paper, rng, doc_freq).items():
            if query is not None:
                queries.append({"id": f"{kind}-{i}", "type": kind, "query": query, "paper": i})
    return sampled, queries


def off_topic_titles(corpus: Path) -> list[str]:
    """Return the titles of the corpus's OFF_TOPIC_VENUES papers that match no ON_TOPIC word (venue: the id's first part)."""
    titles = []
    with open_jsonl(corpus) as handle:
        for line in handle:
            try:
                item = json.loads(line)
                venue, title = str(item.get("id", "")).split("/", 1)[0], str(item.get("title") or "").strip()
            except (ValueError, AttributeError):
                continue
            if venue in OFF_TOPIC_VENUES and title and not ON_TOPIC.search(title):
                titles.append(title)
    return titles


def generate_weak_check(
    corpus: Path, shipped: list[Candidate], papers: int = DEFAULT_WEAK_PAPERS, seed: int = DEFAULT_SEED
) -> list[dict]:
    """Return the weak check's queries: answerable ones from `papers` shipped papers ("paper": index into `shipped`), negatives from as many off-topic titles ("paper": None)."""
    rng = random.Random(seed)
    doc_freq = abstract_doc_freq(shipped)
    queries = []
    for i in sorted(rng.sample(range(len(shipped)), min(papers, len(shipped)))):
        made = queries_for(shipped[i], rng, doc_freq)
        queries += [{"id": f"{kind}-{i}", "type": kind, "query": q, "paper": i} for kind, q in made.items() if q is not None]
    negatives = off_topic_titles(corpus)
    for i, title in enumerate(rng.sample(negatives, min(papers, len(negatives)))):
        # Half phrased as a half-remembered title, half as a question.
        query = known_item_query(title, rng) if i % 2 else question_query(title, rng)
        queries.append({"id": f"negative-{i}", "type": "negative", "query": query, "paper": None})
    return queries


def write_beir(directory: Path, sampled: list[Candidate], queries: list[dict], distractors: list[Candidate], prefix: str = "s") -> None:
    """Write the sampled papers plus distractors, the queries and their judgments as a BEIR directory.

    A query's "paper" indexes the sampled papers (prefix "s") or the distractors (prefix "d");
    a query without one is a negative: written with its type, judged nowhere.
    """
    (directory / "qrels").mkdir(parents=True, exist_ok=True)
    with (directory / "corpus.jsonl").open("w", encoding="utf-8") as handle:
        for i, paper in enumerate(sampled):
            handle.write(json.dumps({"_id": f"s{i}", "title": paper.title, "text": paper.abstract}) + "\n")
        for i, paper in enumerate(distractors):
            handle.write(json.dumps({"_id": f"d{i}", "title": paper.title, "text": paper.abstract}) + "\n")
    with (directory / "queries.jsonl").open("w", encoding="utf-8") as handle:
        for q in queries:
            handle.write(json.dumps({"_id": q["id"], "text": q["query"], "type": q["type"]}) + "\n")
    with (directory / "qrels" / "test.tsv").open("w", encoding="utf-8") as handle:
        handle.write("query-id\tcorpus-id\tscore\n")
        for q in queries:
            if q["paper"] is not None:
                handle.write(f"{q['id']}\t{prefix}{q['paper']}\t1\n")


def build(corpus: Path, directory: Path, papers: int = DEFAULT_PAPERS, seed: int = DEFAULT_SEED) -> int:
    """Generate the check into `directory` (the shipped corpus as distractors); return the number of queries."""
    sampled, queries = generate(corpus, papers, seed)
    taken = {s.title.strip().lower() for s in sampled}
    distractors = [c for c in read_corpus(None) if c.title.strip().lower() not in taken]
    write_beir(directory, sampled, queries, distractors)
    return len(queries)


def build_weak_check(corpus: Path, directory: Path, papers: int = DEFAULT_WEAK_PAPERS, seed: int = DEFAULT_SEED) -> int:
    """Generate the weak check into `directory` (the shipped corpus alone); return the number of queries."""
    shipped = read_corpus(None)
    queries = generate_weak_check(corpus, shipped, papers, seed)
    write_beir(directory, [], queries, shipped, prefix="d")
    return len(queries)
