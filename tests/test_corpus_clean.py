"""Cleaning LaTeX debris, title normalization and link extraction, on examples from the pages."""

from __future__ import annotations

from corpus.clean import clean_text, extract_links, normalize_title


def test_accent_escapes_fold_into_letters():
    assert clean_text("Schr\\\"odinger bridges") == "Schrödinger bridges"
    assert clean_text("a Mat\\'ern kernel") == "a Matérn kernel"
    assert clean_text("Uzna\\'{n}ski and Poincar\\'e") == "Uznański and Poincaré"
    assert clean_text("Lov\\'asz' characterisation") == "Lovász' characterisation"


def test_font_groups_and_wrappers_keep_their_text():
    assert clean_text("in a {\\em finite sample} setting") == "in a finite sample setting"
    assert clean_text("we construct {\\sc MwpBench}, a benchmark") == "we construct MwpBench, a benchmark"
    assert clean_text("a fully {\\it single-loop} manner") == "a fully single-loop manner"
    assert clean_text("complexity \\mathcal{O}(n)") == "complexity O(n)"
    # Backslashes lost upstream leave "{bf A}": still readable text after cleaning.
    assert clean_text("estimates {({bf A}_n, {bf b}_n)}") == "estimates (A_n, b_n)"


def test_escapes_macros_and_braces():
    assert clean_text("over 90\\% accuracy in EE\\&CS") == "over 90% accuracy in EE&CS"
    assert clean_text("\\dataset is curated by experts") == "is curated by experts"
    assert clean_text("rates O(N^{-2}) and O(N^{-b})") == "rates O(N^-2) and O(N^-b)"
    assert clean_text("models (\\eg, LLaMA-2)") == "models (e.g., LLaMA-2)"
    assert clean_text("  many\n\tspaces  ") == "many spaces"


def test_money_is_not_mistaken_for_math():
    text = "an average cost of only $2.19 per API call, versus $14 before"
    assert clean_text(text) == text


def test_normalize_title_folds_case_accents_and_punctuation():
    assert normalize_title("Schr\\\"odinger Bridges: A Survey!") == "schrodinger bridges a survey"
    assert normalize_title("  Deep   Sets ") == normalize_title("deep sets")
    assert normalize_title("Zeroth-Order") == "zeroth order"


def test_extract_links_tidies_and_classifies():
    abstract = (
        "Code is at https://github.com/pnnl/projection\\_ntk. See https://math-qa.github.io/math-QA/ and "
        "https://github.com/alaamaalouf/AutoCoreset{https://github.com/alaamaalouf/AutoCoreset}. "
        "Again https://github.com/pnnl/projection_ntk"
    )
    links = extract_links(abstract)
    assert [(l.url, l.kind) for l in links] == [
        ("https://github.com/pnnl/projection_ntk", "code"),
        ("https://math-qa.github.io/math-QA/", "project"),
        ("https://github.com/alaamaalouf/AutoCoreset", "code"),
    ]


def test_control_characters_become_spaces_the_same_way_in_ascii_and_other_text() -> None:
    import unicodedata

    from corpus.clean import _without_controls

    def one_by_one(text: str) -> str:
        return "".join(ch if ch in "\t\n" or unicodedata.category(ch)[0] != "C" else " " for ch in text)

    every_ascii = "".join(chr(i) for i in range(128))
    # Every character of the Basic Multilingual Plane but surrogates, in chunks, and a few mixed texts.
    plane = [chr(i) for i in range(0x10000) if not 0xD800 <= i < 0xE000]
    chunks = ["".join(plane[i:i + 512]) for i in range(0, len(plane), 512)]
    for text in (every_ascii, every_ascii + "é\u200b\u00ad\ue000", "plain words", "", "tab\there\nnew\rline\x0cfeed", *chunks):
        assert _without_controls(text) == one_by_one(text), repr(text)
    assert _without_controls("a\x00b\x7fc\td") == "a b c\td"
