"""The export bundle (.bib and .ris of one list, keyed alike) and the "export" follow-up's grammar."""

from __future__ import annotations

import re
from datetime import date

import pytest

from bot.core.bibtex import escape
from bot.core.errors import UserFacingError
from bot.core.export import (
    MAX_PAPERS,
    NOTHING_TO_EXPORT,
    ExportFile,
    ExportReply,
    bundle,
    export_reply,
    exportable,
    file_stem,
    files_of,
    may_export,
    unique_keys,
)
from bot.core.followup_export import EXPORT, EXPORT_UNDERSTOOD
from bot.core.followups import BIBTEX, QUESTION, parse_followup
from bot.core.replies import ANSWER, PAPER_CARD, RESULTS, TEXT, Card, Reply, Requester
from bot.core.ris import parse_ris
from corpus.paper import Paper
from tests.bot.fakes import GRAPHS, IMPLICIT, MARKDOWN, make_paper

TODAY = date(2026, 3, 2)
_ENTRY = re.compile(r"^@misc\{([^,\s]+),\n(.*?)\n\}$", re.DOTALL | re.MULTILINE)
_FIELD = re.compile(r"^  (\w+) = \{(.*)\},?$", re.MULTILINE)


def bib_entries(text: str) -> list[tuple[str, dict[str, str]]]:
    """Return the (key, fields) of each @misc entry of a .bib text, in order."""
    return [(m.group(1), dict(_FIELD.findall(m.group(2)))) for m in _ENTRY.finditer(text)]


def assert_balanced_entries(bib: str) -> None:
    """Check each entry's braces pair up and close only at its end: BibTeX pairs raw braces, backslash or not."""
    for entry in (part.strip() for part in bib.split("\n\n")[1:]):
        depth = 0
        for i, ch in enumerate(entry):
            depth += {"{": 1, "}": -1}.get(ch, 0)
            assert depth > 0 or i == len(entry) - 1 or i < entry.index("{"), entry
        assert depth == 0


def ris_values(record: list[tuple[str, str]], tag: str) -> list[str]:
    return [value for t, value in record if t == tag]


def texts(files: tuple[ExportFile, ...]) -> tuple[str, str]:
    bib, ris = files
    assert bib.name.endswith(".bib") and ris.name.endswith(".ris")
    return bib.data.decode("utf-8"), ris.data.decode("utf-8")


def test_both_files_hold_every_paper_in_order_under_the_same_unique_keys() -> None:
    papers = [IMPLICIT, *GRAPHS]
    bib, ris = texts(bundle(papers, "graph neural networks", TODAY))
    entries, records = bib_entries(bib), parse_ris(ris)
    # GRAPHS have no authors or dates: all of them would be keyed "graph".
    assert [key for key, _ in entries] == ["blondel2021efficient", "graph", "grapha", "graphb", "graphc", "graphd",
                                           "graphe", "graphf"]
    assert [ris_values(r, "ID") for r in records] == [[key] for key, _ in entries]
    assert [fields["title"] for _, fields in entries] == ["{" + escape(p.clean_title) + "}" for p in papers]
    assert [ris_values(r, "TI") for r in records] == [[p.clean_title] for p in papers]
    assert bib.startswith("% 8 papers exported by PaperScout on 2026-03-02 for graph-neural-networks\n\n@misc{")


def test_unique_keys_never_repeat_even_when_a_suffix_meets_another_key() -> None:
    same = [make_paper(f"p{i}", "Graph", "x") for i in range(30)] + [make_paper("pa", "Grapha", "x")]
    keys = unique_keys(same)
    assert len(set(keys)) == len(keys) == 31


@pytest.mark.parametrize("query, stem", [
    ("graph neural networks", "paperscout-graph-neural-networks-2026-03-02"),
    ("Équations différentielles: \u201cneural\u201d ODEs?!", "paperscout-equations-differentielles-neural-odes-2026-03-02"),
    ("../../etc/passwd\x00", "paperscout-etc-passwd-2026-03-02"),
    ("量子", "paperscout-results-2026-03-02"),
    (None, "paperscout-results-2026-03-02"),
    ("a " * 60, "paperscout-" + "-".join("a" * 20) + "-2026-03-02"),
])
def test_file_names_are_a_short_ascii_slug_and_the_date(query: str | None, stem: str) -> None:
    assert file_stem(query, TODAY) == stem
    assert [f.name for f in bundle([IMPLICIT], query, TODAY)] == [stem + ".bib", stem + ".ris"]
    assert stem.isascii() and "/" not in stem and len(stem) <= len("paperscout--2026-03-02") + 40


def test_a_long_list_is_capped_with_a_line_saying_so() -> None:
    papers = [make_paper(f"p{i}", f"Paper {i} on graphs", "x") for i in range(MAX_PAPERS + 30)]
    reply = export_reply(papers, "graphs", TODAY)
    bib, ris = texts(files_of(reply))
    assert len(bib_entries(bib)) == len(parse_ris(ris)) == MAX_PAPERS
    assert reply.note == f"Only the first {MAX_PAPERS} of the {MAX_PAPERS + 30} papers are in the files: " \
                         "narrow the search to export the rest."
    assert reply.text.startswith(f"{MAX_PAPERS} papers for \u201cgraphs\u201d as BibTeX and RIS")
    short = export_reply(papers[:3], "graphs", TODAY, total=30)
    assert short.note is None and short.text.startswith("3 papers")


def test_an_empty_list_says_there_is_nothing_to_export() -> None:
    with pytest.raises(UserFacingError) as raised:
        export_reply([], "graphs", TODAY)
    assert str(raised.value) == NOTHING_TO_EXPORT and "\n" not in NOTHING_TO_EXPORT


def test_hostile_text_cannot_open_an_entry_or_a_field_in_either_file() -> None:
    evil = make_paper("p-evil", "Nice}}\n@misc{injected,\n  title = {pwned}\n}", "x\nER  - \nTY  - BOOK",
                      authors=("Eve}\n@comment{", "Mallory\x00\u202e"), arxiv_id="2401.00001}\n@misc{x,")
    bib, ris = texts(bundle([evil, MARKDOWN], "@misc{evil, title={x}}\n", TODAY))
    entries = bib_entries(bib)
    assert len(entries) == 2 and [fields["title"].count("pwned") for _, fields in entries] == [1, 0]
    assert [line for line in bib.splitlines() if line.startswith("@")] == [f"@misc{{{key}," for key, _ in entries]
    assert_balanced_entries(bib)
    assert "\x00" not in bib and "\u202e" not in bib
    assert len(parse_ris(ris)) == 2 and "TY  - BOOK" not in ris.split("\r\n")


def test_the_reply_is_text_with_the_two_files_and_other_replies_carry_none() -> None:
    reply = export_reply([IMPLICIT], "implicit differentiation", TODAY, understood=EXPORT_UNDERSTOOD)
    assert isinstance(reply, ExportReply) and reply.kind == TEXT and reply.understood == EXPORT_UNDERSTOOD
    assert [f.name for f in files_of(reply)] == [
        "paperscout-implicit-differentiation-2026-03-02.bib", "paperscout-implicit-differentiation-2026-03-02.ris"]
    assert files_of(Reply(TEXT, "hello")) == ()


def test_results_and_answers_with_cards_are_exportable_a_single_paper_is_not() -> None:
    card = (Card(paper=IMPLICIT),)
    assert exportable(Reply(RESULTS, "", card)) and exportable(Reply(ANSWER, "", card))
    assert not exportable(Reply(RESULTS, "nothing")) and not exportable(Reply(PAPER_CARD, "", card))


def test_a_list_may_be_exported_by_its_owner_or_by_who_sees_it_in_its_own_server() -> None:
    in_server = Requester(1, 10)
    assert may_export(in_server, Requester(1, 10), seen=False) and may_export(in_server, Requester(2, 10), seen=True)
    assert not may_export(in_server, Requester(2, 10), seen=False)  # a private list, or a channel they cannot view
    assert not may_export(in_server, Requester(2, 11), seen=True) and not may_export(in_server, Requester(2, None), seen=True)
    in_dm = Requester(1, None)
    assert may_export(in_dm, Requester(1, None), seen=True) and not may_export(in_dm, Requester(2, None), seen=True)


PARSED = [
    "export", "Export!", "export these", "export them please", "<@123> export", "can you export these to zotero?",
    "export to Mendeley", "export the results to my reference manager", "export as bibtex", "export as a ris file",
    "download them as bib and ris files", "save the papers as bibtex", "bibtex file", "the bib and ris files",
    "a ris export of these", "ris", "RIS", "the .bib", "bibtex for all of them", "citations for these",
    "send me the bibtex file", "to zotero", "for endnote please", "export all of the results",
]
NOT_PARSED = [
    ("bibtex", QUESTION), ("bibtex 2", BIBTEX), ("cite the first one", BIBTEX),
    ("export controls for LLMs", QUESTION), ("exporting models to onnx", QUESTION),
    ("save memory in transformers", QUESTION), ("download sizes of datasets", QUESTION),
    ("zotero plugins for machine learning", QUESTION), ("ris estimation in finance", QUESTION),
]


@pytest.mark.parametrize("message", PARSED)
def test_export_replies_are_read_as_export(message: str) -> None:
    found = parse_followup(message, TODAY)
    assert (found.kind, found.understood) == (EXPORT, EXPORT_UNDERSTOOD)


@pytest.mark.parametrize("message, kind", NOT_PARSED)
def test_questions_and_single_entries_are_not_exports(message: str, kind: str) -> None:
    assert parse_followup(message, TODAY).kind == kind


def test_papers_keep_their_fields_through_the_bundle() -> None:
    p: Paper = IMPLICIT
    bib, ris = texts(bundle([p], "x", TODAY))
    (key, fields), = bib_entries(bib)
    record, = parse_ris(ris)
    assert fields["author"] == "Mathieu Blondel and Quentin Berthet" == " and ".join(ris_values(record, "AU"))
    assert fields["eprint"] == "2105.15183" and ris_values(record, "DO") == ["10.48550/arXiv.2105.15183"]
    assert fields["year"] == "2021" == ris_values(record, "PY")[0]
    assert "https://github.com/google/jaxopt" in ris_values(record, "UR")
    assert ris_values(record, "ID") == [key] == ["blondel2021efficient"]
