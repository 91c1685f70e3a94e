"""BibTeX entries: arXiv eprints, papers without authors or arXiv id, escaping and ASCII keys."""

from __future__ import annotations

import re

from bot.core.bibtex import NO_ARXIV_NOTE, bibtex_entry, citation_key, escape, year_of
from corpus.paper import Paper


def paper(
    title: str = "Accelerating Sinkhorn Algorithm with Sparse Newton Iterations",
    *,
    authors: tuple[str, ...] = ("Xun Tang", "Michael Shavlovsky", "Lexing Ying"),
    arxiv_id: str | None = "2401.12253",
    published: str | None = "2024-01-22T18:59:59Z",
    pid: str = "p0123456789ab",
) -> Paper:
    return Paper(
        id=pid, title=title, abstract="", clean_title=title, clean_abstract="", ingested_at="2024-02-01",
        arxiv_id=arxiv_id, authors=authors, published=published,
    )


def fields(entry: str) -> dict[str, str]:
    """Return the entry's fields by name, values without their outer braces."""
    return {m.group(1): m.group(2) for m in re.finditer(r"^  (\w+) = \{(.*)\},?$", entry, re.MULTILINE)}


def test_arxiv_paper_is_an_eprint_with_authors_year_and_braced_title() -> None:
    entry = bibtex_entry(paper())
    assert entry.startswith("@misc{tang2024accelerating,\n")
    assert entry.endswith("\n}")
    f = fields(entry)
    assert f["title"] == "{Accelerating Sinkhorn Algorithm with Sparse Newton Iterations}"
    assert f["author"] == "Xun Tang and Michael Shavlovsky and Lexing Ying"
    assert f["year"] == "2024"
    assert f["eprint"] == "2401.12253"
    assert f["archivePrefix"] == "arXiv"
    assert f["url"] == "https://arxiv.org/abs/2401.12253"
    assert "note" not in f and "journal" not in f
    # Braces balance, so BibTeX reads the entry to its end.
    assert entry.count("{") == entry.count("}")


def test_year_falls_back_to_the_arxiv_id_then_is_omitted() -> None:
    assert year_of(paper(published=None, arxiv_id="2306.01234")) == "2023"
    assert year_of(paper(published=None, arxiv_id="hep-th/9901001")) == "1999"
    assert year_of(paper(published=None, arxiv_id="math.AG/0601001")) == "2006"
    assert year_of(paper(published="not a date", arxiv_id="1412.6980")) == "2014"
    undated = bibtex_entry(paper(published=None, arxiv_id=None))
    assert "year" not in fields(undated)
    assert citation_key(paper(published=None, arxiv_id=None)) == "tangaccelerating"


def test_paper_without_authors_has_no_author_field_and_a_key_from_year_and_title() -> None:
    entry = bibtex_entry(paper(authors=()))
    f = fields(entry)
    assert "author" not in f
    assert f["eprint"] == "2401.12253"
    assert entry.startswith("@misc{2024accelerating,")


def test_paper_without_arxiv_id_is_a_marked_misc_with_what_is_known() -> None:
    entry = bibtex_entry(paper(arxiv_id=None, authors=("Diederik P. Kingma", "Jimmy Ba"), published="2014-12-22",
                               title="Adam: A Method for Stochastic Optimization"))
    f = fields(entry)
    assert entry.startswith("@misc{kingma2014adam,")
    assert f["note"] == NO_ARXIV_NOTE
    assert "No arXiv id known" in f["note"] and "PaperScout" in f["note"]
    assert f["title"] == "{Adam: A Method for Stochastic Optimization}"
    assert f["author"] == "Diederik P. Kingma and Jimmy Ba"
    assert f["year"] == "2014"
    assert not {"eprint", "archivePrefix", "url"} & set(f)


def test_special_characters_are_escaped_everywhere() -> None:
    assert escape("a & b % c $ d # e _ f { g } h ~ i ^ j \\ k") == (
        r"a \& b \% c \$ d \# e \_ f \{ g \} h \textasciitilde{} i \textasciicircum{} j \textbackslash{} k"
    )
    entry = bibtex_entry(paper(title="Sharper Bounds for ell_p Sensitivity: 100% of O(n^2) & {more}",
                               authors=("A. B_C", "Research and Development Team")))
    f = fields(entry)
    assert f["title"] == r"{Sharper Bounds for ell\_p Sensitivity: 100\% of O(n\textasciicircum{}2) \& \{more\}}"
    # A team name holding "and" is braced so BibTeX keeps it as one author.
    assert f["author"] == r"A. B\_C and {Research and Development Team}"
    # Every special left in the entry is escaped: no bare % & $ # _ ^ ~ outside a command.
    unescaped = re.sub(r"\\(?:[&%$#_{}]|textasciicircum\{\}|textasciitilde\{\}|textbackslash\{\})", "", entry)
    assert not re.search(r"[&%$#_^~\\]", unescaped)
    assert unescaped.count("{") == unescaped.count("}")


def test_key_is_lowercase_ascii_and_stable() -> None:
    p = paper(authors=("José Ñúñez-Øster", "Zoë Müller"), title="Über die Straße: Ærodynamic Flows", published="2021-05-01")
    key = citation_key(p)
    assert key == "nunezoster2021uber"
    assert key.isascii() and key == key.lower() and re.fullmatch(r"[a-z0-9]+", key)
    assert citation_key(p) == key
    # "Last, First" names give the surname before the comma; leading stopwords are skipped.
    assert citation_key(paper(authors=("Łukasiewicz, Jan",), title="The Power of Logic")) == "lukasiewicz2024power"
    # A paper with nothing to build a key from is keyed by its id.
    assert citation_key(paper(authors=(), published=None, arxiv_id=None, title="", pid="p00ff")) == "p00ff"
