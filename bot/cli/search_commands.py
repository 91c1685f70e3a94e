"""`paperscout search`, `eval`, `console` and `run`: commands that answer from the index."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
from pathlib import Path
from typing import TextIO

from bot.settings import Settings


def _hit_json(hit, weak: bool) -> dict:
    return {
        "rank": hit.rank,
        "id": hit.paper.id,
        "title": hit.paper.title,
        "score": round(hit.score, 4),
        "why": hit.why,
        "weak": weak,
        "bm25_rank": hit.bm25_rank,
        "matched_terms": list(hit.matched_terms),
        "dense_similarity": round(hit.dense_similarity, 4),
        "snippet": hit.best_sentence,
        "links": [{"label": link.label, "url": link.url} for link in hit.paper.links],
    }


def print_result(result, as_json: bool = False, out: TextIO | None = None) -> None:
    """Print search hits as JSON, or as the same text cards the console shows."""
    from bot.core.handlers import card_from_hit
    from bot.terminal.text_render import render_card

    out = out or sys.stdout
    if as_json:
        print(json.dumps([_hit_json(h, result.weak) for h in result.hits], ensure_ascii=False), file=out)
        return
    if result.note:
        print(f"({result.note})", file=out)
    if result.weak:
        print("Nothing in the corpus is close to that; the nearest papers are:", file=out)
    for hit in result.hits:
        print(render_card(card_from_hit(hit, weak=result.weak)), file=out)
        print(file=out)


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    """Search the corpus and print ranked papers."""
    from datetime import datetime, timezone

    from bot.core.errors import UserFacingError
    from bot.core.handlers import filters_line, find_filters
    from bot.services import open_services
    from retrieval.types import QueryError

    try:
        filters = find_filters(args.since, args.has_code, datetime.now(timezone.utc).date())
        query, filters = _with_author(args.query, args.author, filters)
    except UserFacingError as exc:
        print(f"paperscout search: {exc.message}", file=sys.stderr)
        return 2
    if not query.strip():
        if not filters.author:
            print("paperscout search: give a QUERY, or --author NAME", file=sys.stderr)
            return 2
        return _list_author(settings, filters, args.k, args.json)
    services = open_services(settings.data_dir, progress=sys.stderr.isatty())
    try:
        result = services.retriever.search(query, args.k, filters)
    except QueryError as exc:
        print(f"paperscout: {exc}", file=sys.stderr)
        return 2
    line = filters_line(filters, result)
    if line and not args.json:
        print(f"({line})")
    if args.json and result.note:
        # The JSON on stdout stays one list; a query cut short or a count out of range is said beside it.
        print(f"paperscout search: {result.note}", file=sys.stderr)
    print_result(result, args.json)
    return 0


def _with_author(query: str, author: str | None, filters):
    """Return the query without its author:"Name" term, and the filters with that author or --author's."""
    import dataclasses

    from bot.core.author_papers import with_author
    from bot.core.errors import UserFacingError

    query, filters = with_author(query, filters)
    if author is not None:
        if filters.author:
            raise UserFacingError('give the author once: author:"Name" in the query or --author NAME')
        filters = dataclasses.replace(filters, author=" ".join(author.split()))
    return query, filters


def _list_author(settings: Settings, filters, k: int, as_json: bool) -> int:
    """Print an author's papers newest first (the store's author index), those passing the other filters."""
    import dataclasses

    from bot.core.author_papers import unknown_author
    from bot.core.replies import Card
    from bot.services import open_store
    from bot.terminal.text_render import render_card
    from retrieval.filters import FilterIndex

    store = open_store(settings.data_dir)
    try:
        papers = store.papers_by_author(filters.author)
    finally:
        store.close()
    if not papers:
        print(f"paperscout search: {unknown_author(filters.author)}", file=sys.stderr)
        return 1
    # The other filters as a search applies them (no exclusions come from the command line: no word index needed).
    passing = FilterIndex(papers).apply(dataclasses.replace(filters, author=None), None).mask  # type: ignore[arg-type]
    papers = [paper for paper, ok in zip(papers, passing) if ok]
    shown = papers[:max(1, min(k, 100))]
    if as_json:
        rows = [{"rank": rank, "id": p.id, "title": p.title, "authors": list(p.authors), "published": p.published,
                 "links": [{"label": link.label, "url": link.url} for link in p.links]}
                for rank, p in enumerate(shown, start=1)]
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    print(f"(Papers by {filters.author}, newest first: {len(shown)} of {len(papers)})")
    for rank, paper in enumerate(shown, start=1):
        print(render_card(Card(paper=paper, rank=rank)))
        print()
    return 0


def answer_json(answer, shown) -> dict:
    """Return a question's answer as plain data: the kind read, each quote, whether the corpus answered."""
    quotes = []
    for q in answer.quotes:
        bold = list(q.bold) if q.bold else None
        quotes.append({"paper_id": q.paper_id, "card": q.number, "title": shown[q.number - 1].paper.clean_title,
                       "sentence": q.sentence, "bold": bold, "bold_text": q.sentence[q.bold[0]:q.bold[1]] if q.bold else None,
                       "score": round(q.score, 4)})
    cards = [{"card": n, "paper_id": h.paper.id, "title": h.paper.clean_title, "quoted": any(q.number == n for q in answer.quotes)}
             for n, h in enumerate(shown, start=1)]
    return {"question": answer.question, "kind": answer.kind, "answered": answer.answered, "quotes": quotes, "cards": cards}


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    """Answer a question as a mention does: the answering sentences, or "nothing close", and the cards."""
    from bot.core.answer_reply import reply_for, shown_result
    from bot.core.conversation import PER_ANSWER, RESULT_DEPTH
    from bot.services import open_services
    from bot.terminal.text_render import render
    from retrieval.query import clean_query
    from retrieval.types import QueryError

    try:
        text, note = clean_query(args.question)
    except QueryError as exc:
        print(f"paperscout ask: {exc}", file=sys.stderr)
        return 2
    services = open_services(settings.data_dir, progress=sys.stderr.isatty())
    retriever = services.retriever
    try:
        result = retriever.search(text, RESULT_DEPTH)
    except QueryError as exc:
        print(f"paperscout ask: {exc}", file=sys.stderr)
        return 2
    shown = result.hits[:PER_ANSWER]
    answer = retriever.answer(shown_result(result, shown), len(shown))
    if args.json:
        if note or result.note:
            print(f"paperscout ask: {note or result.note}", file=sys.stderr)
        print(json.dumps(answer_json(answer, shown), ensure_ascii=False))
    else:
        print(render(reply_for(answer, result.query, shown, note or result.note, None)), end="")
    return 0


def _beir_result(directory: Path, encoder=None) -> dict:
    from bench.beir_index import open_beir
    from retrieval.evaluate import evaluate

    # A throwaway index: evaluation must never touch the bot's data dir.
    with tempfile.TemporaryDirectory(prefix="paperscout-beir-") as tmp:
        retriever, queries = open_beir(directory, Path(tmp), encoder, progress=sys.stderr.isatty())
        return evaluate(retriever, queries, min_grade=1)


def _scores(args: argparse.Namespace, settings: Settings) -> dict:
    """Return the evaluation of the queries `args` names; raise JudgmentsError for unusable input."""
    from retrieval.evaluate import evaluate, read_judged_titles, resolve_titles

    if args.generated:
        from bench.mechanical_queries import build, build_weak_check
        from retrieval.encoder import MiniLMEncoder

        with tempfile.TemporaryDirectory(prefix="paperscout-generated-") as tmp:
            count = build(Path(args.generated), Path(tmp) / "ranking", args.papers, args.seed)
            print(f"{count} generated queries over {args.papers} sampled papers (seed {args.seed})", file=sys.stderr)
            # One model for both checks: loading it is seconds of every run.
            encoder = MiniLMEncoder()
            result = _beir_result(Path(tmp) / "ranking", encoder)
            count = build_weak_check(Path(args.generated), Path(tmp) / "weak", seed=args.seed)
            print(f"weak check: {count} generated queries over the shipped corpus (seed {args.seed})", file=sys.stderr)
            weak = _beir_result(Path(tmp) / "weak", encoder)
            result["weak_check"] = {"negatives_flagged": weak["negatives_flagged"], "answerable_flagged": weak["positives_flagged"]}
    elif args.beir:
        result = _beir_result(Path(args.beir))
    else:
        from bot.services import open_services

        # The file first: a wrong path or a bad line should not wait for the index to open.
        items = read_judged_titles(Path(args.file))
        services = open_services(settings.data_dir, progress=sys.stderr.isatty())
        queries, unknown = resolve_titles(items, services.retriever)
        for title in unknown:
            print(f"warning: judged title not in the corpus: {title}", file=sys.stderr)
        result = evaluate(services.retriever, queries, min_grade=2)
    return result


def _eval_answers(args: argparse.Namespace, settings: Settings) -> int:
    """Score the answers to a question file: first quote acceptable, any of three, "nothing close" when absent."""
    from bench.answer_quality import fold_spread, format_summary, open_question_index, run, summarize
    from bench.answer_set import QuestionFileError, read_questions

    # The file first: a wrong path or a bad line should not wait for the index to open.
    try:
        questions = [q for q in read_questions(Path(args.answers)) if args.half == "all" or q.half == args.half]
    except QuestionFileError as exc:
        print(f"paperscout eval: {exc}", file=sys.stderr)
        return 2
    if not questions:
        print(f"paperscout eval: {args.answers} has no questions in the {args.half} half", file=sys.stderr)
        return 2
    if args.sample and not Path(args.sample).is_file():
        print(f"paperscout eval: {args.sample}: not a file", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="paperscout-answers-") as tmp:
        if args.sample:
            # A throwaway index of the shipped corpus and the sample: never the bot's data dir.
            retriever = open_question_index(Path(args.sample), Path(tmp), progress=sys.stderr.isatty())
        else:
            from bot.services import open_services

            retriever = open_services(settings.data_dir, progress=sys.stderr.isatty()).retriever
        known = {p.clean_title for p in retriever.papers}
        missing = [q for q in questions if q.answerable and q.title not in known]
        for q in missing:
            print(f"warning: question {q.id} names a paper not in the corpus: {q.title}", file=sys.stderr)
        outcomes = run(retriever, [q for q in questions if q not in missing])
    summary = {**summarize(outcomes), "spread": fold_spread(outcomes), "skipped": len(missing)}
    print(json.dumps(summary) if args.json else format_summary(summary))
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    """Score BM25, dense and hybrid rankings on a judged query file or a BEIR directory."""
    from retrieval.evaluate import JudgmentsError

    if args.answers:
        return _eval_answers(args, settings)
    if not (args.file or args.beir or args.generated):
        print("paperscout eval: give a query FILE, --beir DIR, --generated CORPUS or --answers FILE", file=sys.stderr)
        return 2
    if args.generated and not Path(args.generated).is_file():
        print(f"paperscout eval: {args.generated}: not a file", file=sys.stderr)
        return 2
    try:
        result = _scores(args, settings)
    except JudgmentsError as exc:
        # Input the user can fix: one line naming the file and line, never a traceback.
        print(f"paperscout eval: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"{result['queries']} queries")
    print(f"{'system':8} {'nDCG@10':>8} {'R@10':>8} {'MRR@10':>8}")
    for system in ("bm25", "dense", "hybrid"):
        m = result[system]
        print(f"{system:8} {m['ndcg@10']:8.4f} {m['recall@10']:8.4f} {m['mrr@10']:8.4f}")
    print(f"weak flag: negatives {result['negatives_flagged']:.2f}, positives {result['positives_flagged']:.2f}")
    if "weak_check" in result:
        w = result["weak_check"]
        print(f"weak check (shipped corpus, robotics negatives): negatives {w['negatives_flagged']:.3f}, answerable {w['answerable_flagged']:.3f}")
    if result.get("by_type"):
        print(f"\n{'type':12} {'n':>3} {'bm25':>7} {'dense':>7} {'hybrid':>7}")
        for kind, row in result["by_type"].items():
            print(f"{kind:12} {row['n']:3d} {row['bm25']:7.4f} {row['dense']:7.4f} {row['hybrid']:7.4f}")
    return 0


def cmd_console(args: argparse.Namespace, settings: Settings) -> int:
    """Open an interactive search prompt in the terminal."""
    from bot.services import open_services
    from bot.terminal.console import run_console

    print("Loading the corpus and index (the first run builds the index; shipped papers come with their vectors)...", flush=True)
    services = open_services(settings.data_dir, progress=True)
    # The encoder loads on first use; loaded here, it says so before the first prompt instead of
    # making the first question slow and putting whatever loading prints between a prompt and its answer.
    print("Loading the embedding model...", flush=True)
    try:
        services.encoder.encode(["paperscout"])
    except Exception as exc:
        # The console cannot answer anything without it: one line, not a traceback.
        print(f"paperscout: cannot load the embedding model ({type(exc).__name__}: {exc})", file=sys.stderr)
        return 1
    return run_console(services.retriever)


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """Start the Discord bot when a token is configured, else the console."""
    if settings.has_token:
        from bot.__main__ import run_bot

        return run_bot(settings)
    print("No DISCORD_TOKEN configured: opening the console instead of the bot.\n")
    # Operator logs (one line per search event) would interleave with the cards.
    logging.getLogger().setLevel(max(logging.WARNING, logging.getLogger().level))
    return cmd_console(args, settings)
