"""RIS records for papers, the tagged format Zotero, Mendeley and EndNote import.

A record is one field a line, `XX  - value` (two capitals or a capital and a digit, two
spaces, a hyphen, a space), from `TY` to `ER`. The RIS specification (Research Information
Systems) ends every line with CR LF; Zotero, Mendeley and EndNote read LF too, but CR LF is
what the spec says, so that is what we write. Text is UTF-8, as Zotero and Mendeley export it.

Type: `JOUR`. RIS has no preprint type: Zotero imports `GEN` and `UNPB` as journal articles
anyway, `ELEC` as a web page (which drops the DOI into a note and cites like a website), and
`CPAPER` would claim a conference the corpus does not know. `JOUR` with `T2  - arXiv` (only
when the paper has an arXiv id) gives the citation people use for a preprint, "Title. arXiv,
2024", in all three managers. A paper without an arXiv id gets no `T2` and an `N1` saying
the record was built from a listing, as its BibTeX entry does.

Every value is one line: newlines, tabs, control, format and separator characters become
spaces and runs of spaces one, so no value can end its line early and start a tag of its
own (a tag is one only at the start of a line).
"""

from __future__ import annotations

import re
import unicodedata

from bot.core.bibtex import NO_ARXIV_NOTE, citation_key, year_of
from bot.core.card_text import author_names, shown_links
from corpus.paper import Paper
from corpus.records import normalize_arxiv_id
from corpus.urls import web_url

EOL = "\r\n"
TYPE = "JOUR"
# The tag format every RIS reader checks (bibutils' risin_istag, Zotero's RIS.js).
TAG_LINE = re.compile(r"^([A-Z][A-Z0-9])  - ?(.*)$")
# arXiv registers a DataCite DOI for every paper, old-style ids too: 10.48550/arXiv.<id without version>.
ARXIV_DOI_PREFIX = "10.48550/arXiv."
_DOI_URL = re.compile(r"^https?://(?:dx\.)?doi\.org/(10\.\d{4,9}/\S+)$", re.IGNORECASE)
_ISO_DATE = re.compile(r"^\s*(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def one_line(text: str | None) -> str:
    """Return `text` as one plain line: controls, format characters and line or paragraph breaks become spaces."""
    if not text:
        return ""
    # Category C (controls, format such as bidi overrides, surrogates, private use) and Z (every
    # space and line/paragraph separator, U+2028 included) all become a plain space.
    plain = "".join(" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in text)
    return " ".join(plain.split())


def ris_date(paper: Paper) -> str | None:
    """Return the RIS `DA` date, YYYY/MM/DD (or YYYY/MM, YYYY), from the paper's ISO `published`, else None."""
    match = _ISO_DATE.match(paper.published or "")
    if match is None or match.group(1) != year_of(paper):
        return None  # no date, or one bibtex.year_of does not trust: PY then holds what is known
    year, month, day = match.groups()
    if month is None or not 1 <= int(month) <= 12:
        return year
    return f"{year}/{month}" if day is None or not 1 <= int(day) <= 31 else f"{year}/{month}/{day}"


def doi_of(paper: Paper) -> str | None:
    """Return the paper's DOI: arXiv's own for an arXiv paper, else one a doi.org link names, else None."""
    arxiv_id = normalize_arxiv_id(paper.arxiv_id)
    if arxiv_id:
        return ARXIV_DOI_PREFIX + arxiv_id
    for link in paper.links:
        match = _DOI_URL.match(web_url(link.url) or "")
        if match:
            return match.group(1)
    return None


def paper_urls(paper: Paper) -> list[str]:
    """Return the paper's own pages, arXiv abstract first: the card's links without title searches."""
    # A title search is a guess at the paper, not the paper: a reference manager would keep it as its URL.
    return list(dict.fromkeys(link.url for link in shown_links(paper) if link.kind != "search"))


def ris_fields(paper: Paper, key: str | None = None) -> list[tuple[str, str]]:
    """Return a paper's RIS fields in order, `TY` first and `ER` last; `key` defaults to its BibTeX key."""
    fields: list[tuple[str, str]] = [("TY", TYPE)]
    title = one_line(paper.clean_title or paper.title)
    if title:
        fields.append(("TI", title))
    fields += [("AU", name) for name in map(one_line, author_names(paper)) if name]
    year = year_of(paper)
    if year:
        fields.append(("PY", year))
    date = ris_date(paper)
    if date:
        fields.append(("DA", date))
    abstract = one_line(paper.clean_abstract or paper.abstract)
    if abstract:
        fields.append(("AB", abstract))
    if paper.arxiv_id:
        fields.append(("T2", "arXiv"))
    else:
        fields.append(("N1", NO_ARXIV_NOTE))
    fields += [("UR", url) for url in paper_urls(paper)]
    doi = doi_of(paper)
    if doi:
        fields.append(("DO", doi))
    fields.append(("ID", one_line(key) or citation_key(paper)))
    fields.append(("ER", ""))
    return fields


def ris_record(paper: Paper, key: str | None = None) -> str:
    """Return one RIS record for `paper`, every line ended by CR LF."""
    return "".join(f"{tag}  - {value}{EOL}" for tag, value in ris_fields(paper, key))


def ris_file(records: list[str]) -> str:
    """Return records as one RIS file: a blank line before each record, as the spec shows."""
    return "".join(EOL + record for record in records)


def parse_ris(text: str) -> list[list[tuple[str, str]]]:
    """Return the records of a RIS text as (tag, value) lists, `TY` to `ER`; lines that hold no tag are skipped.

    A small reader for our own tests and checks, strict about the tag format as Zotero and bibutils are.
    """
    records: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] | None = None
    for line in text.split(EOL) if EOL in text else text.split("\n"):
        match = TAG_LINE.match(line)
        if match is None:
            continue
        tag, value = match.group(1), match.group(2)
        if tag == "TY":
            current = []
        if current is None:
            continue
        current.append((tag, value))
        if tag == "ER":
            records.append(current)
            current = None
    return records
