"""A result list as files a reference manager imports: one `.bib` and one `.ris`, the same papers in both.

What is exported is the list as its reader has it: every paper of a conversation's current
answer state (its query and filters, all of its ranked results, not the page shown), or every
card of a kept result list (the Export button). At most `MAX_PAPERS`, with a line saying so.
Both files key a paper alike: its BibTeX key (bot/core/bibtex.py), made unique within the
bundle by a letter ("graph", "grapha", "graphb"): the entry key in the .bib, the `ID` in the .ris.
File names are ASCII: `paperscout-<query slug>-<YYYY-MM-DD>.bib` / `.ris`.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date
from string import ascii_lowercase
from typing import Callable, Sequence

from bot.core.bibtex import ascii_fold, bibtex_entry, citation_key
from bot.core.errors import UserFacingError
from bot.core.followup_export import EXPORT as EXPORT  # the follow-up kind carried out here
from bot.core.replies import ANSWER, RESULTS, TEXT, Reply, Requester
from bot.core.ris import one_line, ris_file, ris_record
from bot.state.conversations import Conversation
from corpus.paper import Paper

# Enough for any list the bot shows (a conversation keeps 30 results, /find 30 cards); a bound
# for the file sizes whatever a list holds.
MAX_PAPERS = 100
SLUG_CHARS = 40
BIB, RIS = ".bib", ".ris"
NOTHING_TO_EXPORT = "My last answer listed no papers, so there is nothing to export. Ask me a question first."
NOT_SHOWN = "These results were shown to someone else, not to you. Run /find to export your own."
MANAGERS = "import the .ris file into Zotero, Mendeley or EndNote, or use the .bib file with LaTeX"


@dataclass(frozen=True)
class ExportFile:
    """One file to attach: its ASCII name and its bytes."""

    name: str
    data: bytes


@dataclass(frozen=True)
class ExportReply(Reply):
    """A text reply with files attached: Discord sends them as attachments, the console writes them."""

    files: tuple[ExportFile, ...] = ()


def files_of(reply: Reply) -> tuple[ExportFile, ...]:
    """Return the files a reply carries (none for every reply but an export)."""
    return reply.files if isinstance(reply, ExportReply) else ()


def exportable(reply: Reply) -> bool:
    """Return whether a reply is a list of papers to offer the Export button under: results and answers with cards."""
    return reply.kind in (RESULTS, ANSWER) and bool(reply.cards)


def may_export(owner: Requester, who: Requester, *, seen: bool) -> bool:
    """Return whether `who` may export a list `owner` searched: its owner, or anyone in its server who sees it.

    `seen`: the list was clicked on a public message in a channel `who` may view. Exporting answers
    privately, so anyone who can see a public list may take it along. Discord delivers a click
    only from a message its user sees; this holds even if that ever failed: a private (ephemeral)
    list stays its owner's, a list never travels to another server, and a DM's list is its owner's.
    """
    if who.user_id == owner.user_id:
        return True
    return seen and owner.guild_id is not None and who.guild_id == owner.guild_id


def slug(query: str | None) -> str:
    """Return an ASCII file-name part for a query: lowercase words joined by hyphens, "results" for none."""
    words = re.sub(r"[^a-z0-9]+", "-", ascii_fold(query or "").lower()).strip("-")
    return words[:SLUG_CHARS].rstrip("-") or "results"


def file_stem(query: str | None, today: date) -> str:
    """Return the name the two files share before their extension."""
    return f"paperscout-{slug(query)}-{today.isoformat()}"


def _suffix(n: int) -> str:
    return ascii_lowercase[n] if n < len(ascii_lowercase) else str(n)


def unique_keys(papers: Sequence[Paper]) -> list[str]:
    """Return each paper's BibTeX key, a letter added to a key an earlier paper took."""
    keys: list[str] = []
    taken: set[str] = set()
    for paper in papers:
        base = key = citation_key(paper)
        n = 0
        while key in taken:
            key, n = base + _suffix(n), n + 1
        taken.add(key)
        keys.append(key)
    return keys


def _balanced(text: str) -> str:
    """Return `text` without the braces that have no partner.

    BibTeX counts braces whatever a backslash before them says: the `\\}` bibtex.escape writes for
    a lone "}" would still end the field, and what follows could open an entry of its own.
    """
    unmatched: list[int] = []
    dropped: set[int] = set()
    for i, ch in enumerate(text):
        if ch == "{":
            unmatched.append(i)
        elif ch == "}":
            if unmatched:
                unmatched.pop()
            else:
                dropped.add(i)
    dropped.update(unmatched)
    return "".join(ch for i, ch in enumerate(text) if i not in dropped) if dropped else text


def _plain(paper: Paper) -> Paper:
    """Return the paper with its title, authors and id on one line each and braces paired, so no field can break."""
    def clean(text: str | None) -> str:
        return _balanced(one_line(text))

    return dataclasses.replace(
        paper,
        title=clean(paper.title),
        clean_title=clean(paper.clean_title),
        authors=tuple(clean(name) for name in paper.authors),
        arxiv_id=clean(paper.arxiv_id) or None,
    )


def _keyed_entry(paper: Paper, key: str) -> str:
    """Return the paper's BibTeX entry under `key` instead of its own key."""
    entry = bibtex_entry(paper)
    own = f"@misc{{{citation_key(paper)},"
    if not entry.startswith(own):
        raise ValueError(f"unexpected BibTeX entry head for paper {paper.id}")
    return f"@misc{{{key}," + entry[len(own):]


def bundle(papers: Sequence[Paper], query: str | None, today: date) -> tuple[ExportFile, ExportFile]:
    """Return the .bib and .ris files of `papers` (at most MAX_PAPERS of them, in order)."""
    shown = [_plain(paper) for paper in papers[:MAX_PAPERS]]
    keys = unique_keys(shown)
    stem = file_stem(query, today)
    # BibTeX skips text between entries; the slug is [a-z0-9-], so this line can never open one.
    head = f"% {len(shown)} papers exported by PaperScout on {today.isoformat()} for {slug(query)}\n\n"
    bib = head + "\n\n".join(_keyed_entry(paper, key) for paper, key in zip(shown, keys)) + "\n"
    ris = ris_file([ris_record(paper, key) for paper, key in zip(shown, keys)])
    return ExportFile(stem + BIB, bib.encode("utf-8")), ExportFile(stem + RIS, ris.encode("utf-8"))


def export_reply(papers: Sequence[Paper], query: str | None, today: date, *, total: int | None = None,
                 understood: str | None = None) -> ExportReply:
    """Return the reply carrying the two files; `total` is how many papers the list held, when more than `papers`."""
    if not papers:
        raise UserFacingError(NOTHING_TO_EXPORT)
    total = max(total or 0, len(papers))
    count = min(len(papers), MAX_PAPERS)
    about = f" for \u201c{one_line(query)}\u201d" if one_line(query) else ""
    text = f"{count} paper{'s' if count != 1 else ''}{about} as BibTeX and RIS: {MANAGERS}."
    note = None
    if total > MAX_PAPERS:
        note = f"Only the first {MAX_PAPERS} of the {total} papers are in the files: narrow the search to export the rest."
    return ExportReply(TEXT, text, note=note, understood=understood, files=bundle(papers, query, today))


def conversation_export(paper_of: Callable[[str], Paper | None], conversation: Conversation, today: date,
                        understood: str | None = None) -> ExportReply:
    """Return the export of a conversation's current results: every ranked paper its answer state keeps, in order."""
    ids = list(conversation.result_ids)
    papers = [paper for paper in map(paper_of, ids[:MAX_PAPERS]) if paper is not None]
    return export_reply(papers, conversation.query, today, total=len(ids), understood=understood)
