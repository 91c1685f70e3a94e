"""RIS records: each field parsed back from the text, CR LF lines, and hostile text kept inside its field."""

from __future__ import annotations

import re

import pytest

from bot.core.bibtex import NO_ARXIV_NOTE, citation_key
from bot.core.ris import ARXIV_DOI_PREFIX, EOL, TAG_LINE, one_line, parse_ris, ris_file, ris_record
from corpus.paper import Link, Paper

HOSTILE_TITLE = "Robust Things\r\nER  - \nTY  - BOOK\u2028AU  - Mallory\x00\x1b[31m\u202eevil\tend"


def paper(**fields: object) -> Paper:
    base: dict[str, object] = dict(
        id="p-attention", title="Attention Is All You Need", abstract="We propose the Transformer.",
        clean_title="Attention Is All You Need", clean_abstract="We propose the Transformer.",
        ingested_at="2025-01-01T00:00:00+00:00", arxiv_id="1706.03762v7",
        authors=("Ashish Vaswani", "Noam Shazeer", "Niki Parmar"), published="2017-06-12",
        links=(
            Link("https://arxiv.org/search/?query=attention", "search", "Search arXiv"),
            Link("https://github.com/tensorflow/tensor2tensor", "code", "Code"),
        ),
    )
    base.update(fields)
    return Paper(**base)  # type: ignore[arg-type]


def fields_of(text: str) -> list[tuple[str, str]]:
    records = parse_ris(text)
    assert len(records) == 1
    return records[0]


def values(fields: list[tuple[str, str]], tag: str) -> list[str]:
    return [value for t, value in fields if t == tag]


def test_an_arxiv_paper_parses_back_field_by_field() -> None:
    p = paper()
    fields = fields_of(ris_record(p))
    assert fields[0] == ("TY", "JOUR") and fields[-1] == ("ER", "")
    assert values(fields, "TI") == ["Attention Is All You Need"]
    assert values(fields, "AU") == ["Ashish Vaswani", "Noam Shazeer", "Niki Parmar"]  # one per author, in order
    assert values(fields, "PY") == ["2017"] and values(fields, "DA") == ["2017/06/12"]
    assert values(fields, "AB") == ["We propose the Transformer."]
    assert values(fields, "T2") == ["arXiv"] and values(fields, "N1") == []
    urls = values(fields, "UR")
    assert urls[0] == "https://arxiv.org/abs/1706.03762v7"
    assert "https://github.com/tensorflow/tensor2tensor" in urls
    assert not [u for u in urls if "search" in u]  # a title search is not the paper
    assert values(fields, "DO") == [ARXIV_DOI_PREFIX + "1706.03762"]  # arXiv's DOI names no version
    assert values(fields, "ID") == [citation_key(p)] == ["vaswani2017attention"]


def test_every_line_ends_in_cr_lf_and_is_a_tag_line() -> None:
    text = ris_record(paper())
    assert text.endswith("ER  - " + EOL)
    lines = text.split(EOL)
    assert lines[-1] == "" and all(TAG_LINE.match(line) for line in lines[:-1])
    assert "\n" not in text.replace(EOL, "")
    assert all(re.match(r"^[A-Z][A-Z0-9]  - ", line) for line in lines[:-1])


def test_a_paper_from_a_listing_has_no_venue_a_note_and_a_doi_only_from_a_doi_link() -> None:
    listed = paper(arxiv_id=None, published=None, links=(Link("https://doi.org/10.1145/3292500.3330701", "paper", "DOI"),))
    fields = fields_of(ris_record(listed))
    assert values(fields, "T2") == [] and values(fields, "N1") == [NO_ARXIV_NOTE]
    assert values(fields, "DO") == ["10.1145/3292500.3330701"]
    assert values(fields, "PY") == values(fields, "DA") == []
    bare = paper(arxiv_id=None, links=())
    assert values(fields_of(ris_record(bare)), "DO") == [] and values(fields_of(ris_record(bare)), "UR") == []


@pytest.mark.parametrize("published, expected", [("2024-03", "2024/03"), ("2024", "2024"), ("2024-13-40", "2024"),
                                                 ("2024-02-31T10:00:00Z", "2024/02/31"), ("1066-10-14", None)])
def test_the_date_is_what_the_published_field_knows(published: str, expected: str | None) -> None:
    fields = fields_of(ris_record(paper(published=published, arxiv_id=None)))
    assert values(fields, "DA") == ([expected] if expected else [])


def test_hostile_text_stays_inside_its_own_field() -> None:
    evil = paper(
        title=HOSTILE_TITLE, clean_title=HOSTILE_TITLE,
        abstract="Line one.\n\nER  - \r\nTY  - JOUR\rTI  - Injected\x0b\x0c\x85end",
        clean_abstract="Line one.\n\nER  - \r\nTY  - JOUR\rTI  - Injected\x0b\x0c\x85end",
        authors=("Eve\nAU  - Mallory", "\n\t", "Trent\u2029ER  - "),
    )
    text = ris_record(evil)
    fields = fields_of(text)  # still exactly one record
    assert [tag for tag, _ in fields].count("TI") == 1 and [tag for tag, _ in fields].count("TY") == 1
    assert values(fields, "TI") == [one_line(HOSTILE_TITLE)]
    assert values(fields, "TI")[0].startswith("Robust Things ER - TY - BOOK AU - Mallory")
    assert values(fields, "AU") == ["Eve AU - Mallory", "Trent ER -"]  # the blank author left out, none added
    assert values(fields, "AB") == ["Line one. ER - TY - JOUR TI - Injected end"]
    for char in "\x00\x1b\u202e\u2028\u2029\x0b\x0c\x85\t\r":
        assert char not in text.replace(EOL, "")
    text.encode("utf-8")


def test_a_lone_surrogate_or_bidi_override_cannot_reach_the_file() -> None:
    text = ris_record(paper(title="A \ud800 B \u202e C", clean_title="A \ud800 B \u202e C"))
    assert values(fields_of(text), "TI") == ["A B C"]
    text.encode("utf-8")  # a lone surrogate would raise here


def test_a_file_holds_each_record_after_a_blank_line_and_parses_back_in_order() -> None:
    first, second = paper(), paper(id="p-2", title="Second", clean_title="Second", arxiv_id=None)
    text = ris_file([ris_record(first, "a"), ris_record(second, "b")])
    assert text.startswith(EOL + "TY  - JOUR" + EOL)
    records = parse_ris(text)
    assert [values(r, "ID") for r in records] == [["a"], ["b"]]
    assert [values(r, "TI") for r in records] == [["Attention Is All You Need"], ["Second"]]


def test_one_line_keeps_ordinary_unicode() -> None:
    assert one_line("Schrödinger  Brücke — 量子 ✓") == "Schrödinger Brücke — 量子 ✓"
    assert one_line(None) == "" and one_line("\n\t ") == ""
