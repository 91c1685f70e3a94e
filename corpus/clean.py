"""Text cleaning for indexing and display, title normalization and link extraction.

Abstracts on the paper pages carry LaTeX debris (accent escapes, font switches,
custom macros like `\\dataset`) and sometimes lose their backslashes (`{bf A}`).
Cleaning turns them into readable text; the verbatim abstract is kept elsewhere.
"""

from __future__ import annotations

import re
import unicodedata

from corpus.paper import Link

# Accent escapes with a single punctuation command: \'e, \"{o}, \`a ...
_PUNCT_ACCENTS = {
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    '"': "\u0308",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
}
# Letter commands need braces or a space: \c{c}, \v s, \u{a}, \H{o}.
_LETTER_ACCENTS = {"c": "\u0327", "v": "\u030c", "u": "\u0306", "H": "\u030b", "k": "\u0328"}
_SPECIAL_LETTERS = {"ss": "ß", "o": "ø", "O": "Ø", "l": "ł", "L": "Ł", "ae": "æ", "AE": "Æ", "oe": "œ", "aa": "å"}

_GREEK = {
    name: chr(code)
    for name, code in {
        "alpha": 0x3B1, "beta": 0x3B2, "gamma": 0x3B3, "delta": 0x3B4, "epsilon": 0x3B5,
        "varepsilon": 0x3B5, "zeta": 0x3B6, "eta": 0x3B7, "theta": 0x3B8, "iota": 0x3B9,
        "kappa": 0x3BA, "lambda": 0x3BB, "mu": 0x3BC, "nu": 0x3BD, "xi": 0x3BE, "pi": 0x3C0,
        "rho": 0x3C1, "sigma": 0x3C3, "tau": 0x3C4, "phi": 0x3C6, "varphi": 0x3C6, "chi": 0x3C7,
        "psi": 0x3C8, "omega": 0x3C9, "Gamma": 0x393, "Delta": 0x394, "Theta": 0x398,
        "Lambda": 0x39B, "Sigma": 0x3A3, "Phi": 0x3A6, "Psi": 0x3A8, "Omega": 0x3A9,
    }.items()
}
# Control words whose name is itself the readable text.
_WORD_COMMANDS = {"log", "exp", "min", "max", "sup", "inf", "lim", "sqrt", "sin", "cos", "det", "dim"}
_SYMBOLS = {
    "infty": "∞", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "times": "×", "cdot": "·",
    "approx": "≈", "in": "∈", "to": "→", "rightarrow": "→", "pm": "±", "neq": "≠", "sim": "~",
    "eg": "e.g.", "ie": "i.e.", "etal": "et al.", "ldots": "...", "dots": "...", "cdots": "...",
}
# Font and wrapper commands whose argument is the text: \textbf{x}, \mathcal{O}.
_WRAPPERS = r"text|textbf|textit|texttt|textrm|textsc|emph|mathcal|mathbb|mathbf|mathrm|mathit|mathsf|boldsymbol|bm|operatorname|url|href|underline|overline|hat|tilde|bar|widetilde|widehat|vec"

_ACCENT_PUNCT_RE = re.compile(r"\\([" + re.escape("".join(_PUNCT_ACCENTS)) + r"])\s*(?:\{\s*\\?([A-Za-z])\s*\}|\\?([A-Za-z]))")
_ACCENT_LETTER_RE = re.compile(r"\\([cvuHk])(?:\{\s*([A-Za-z])\s*\}|\s+([A-Za-z]))")
_SPECIAL_RE = re.compile(r"\\(ss|ae|AE|oe|aa|[oOlL])(?![A-Za-z])\{?\}?")
_FONT_GROUP_RE = re.compile(r"\{\\?(?:em|it|bf|tt|sc|rm|sf|sl|small|large)\s+([^{}]*)\}")
_WRAPPER_RE = re.compile(r"\\(?:" + _WRAPPERS + r")\s*\{([^{}]*)\}")
_ESCAPED_RE = re.compile(r"\\([%&_#$])")
_CONTROL_WORD_RE = re.compile(r"\\([A-Za-z]+)\s?")
_MATH_RE = re.compile(r"\$([^$]{1,120})\$")
_SPACE_RE = re.compile(r"\s+")
# In ASCII text the only control characters (Unicode category C) are these; tab and newline are kept.
_ASCII_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]")
_WORD_RE = re.compile(r"[^\W_]+")
_SPACE_BEFORE_PUNCT_RE = re.compile(r"(?<=\S) ([,;:)\]])")

_URL_RE = re.compile(r"https?://[^\s<>\"'{}()\[\]]+", re.IGNORECASE)
_CODE_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "huggingface.co/spaces")


def _compose(base: str, mark: str) -> str:
    return unicodedata.normalize("NFC", base + mark)


def _control_word(match: re.Match[str]) -> str:
    name = match.group(1)
    if name in _GREEK:
        return _GREEK[name]
    if name in _SYMBOLS:
        return _SYMBOLS[name] + " "
    if name in _WORD_COMMANDS:
        return name + " "
    # Unknown macros (\dataset, \ours) carry no readable text once their definition is gone.
    return ""


def _strip_math(match: re.Match[str]) -> str:
    body = match.group(1)
    # A lone "$2.19 ... $5" is money, not math: only unwrap bodies that look like formulas.
    if re.search(r"[\\^_{}=]", body) or len(body.strip()) <= 3:
        return body
    return match.group(0)


def clean_text(text: str) -> str:
    """Return `text` with LaTeX debris folded into readable Unicode and whitespace collapsed."""
    if not text:
        return ""
    out = unicodedata.normalize("NFC", text)
    out = out.replace("\\\\", " ")
    out = _MATH_RE.sub(_strip_math, out)
    out = _ACCENT_PUNCT_RE.sub(lambda m: _compose(m.group(2) or m.group(3), _PUNCT_ACCENTS[m.group(1)]), out)
    out = _ACCENT_LETTER_RE.sub(lambda m: _compose(m.group(2) or m.group(3), _LETTER_ACCENTS[m.group(1)]), out)
    out = _SPECIAL_RE.sub(lambda m: _SPECIAL_LETTERS[m.group(1)], out)
    out = _ESCAPED_RE.sub(r"\1", out)
    # Font groups can nest inside wrappers and vice versa: peel until nothing changes.
    for _ in range(4):
        peeled = _WRAPPER_RE.sub(r"\1", _FONT_GROUP_RE.sub(r"\1", out))
        if peeled == out:
            break
        out = peeled
    out = _CONTROL_WORD_RE.sub(_control_word, out)
    out = out.replace("{", "").replace("}", "").replace("\\", " ")
    out = _without_controls(out)
    out = _SPACE_RE.sub(" ", out).strip()
    # Removed macros leave a space before punctuation ("(\\eg, x)" -> "(e.g. , x)").
    return _SPACE_BEFORE_PUNCT_RE.sub(r"\1", out)


def _without_controls(text: str) -> str:
    """Return `text` with each control, format or unassigned character (category C) but tab and newline made a space."""
    # By regex, not a Python step per character: that loop was 45% of filling the store with a
    # million papers. ASCII's controls are one class; each other character is looked up alone.
    out = _ASCII_CONTROL_RE.sub(" ", text)
    return out if out.isascii() else _NON_ASCII_RE.sub(_control_to_space, out)


def _control_to_space(match: re.Match[str]) -> str:
    return " " if unicodedata.category(match.group(0))[0] == "C" else match.group(0)


def normalize_title(title: str) -> str:
    """Return the matching key of a title: accents folded, lowercase, alphanumerics only."""
    if title.isascii() and not any(ch in title for ch in "\\{}$"):
        # No LaTeX and nothing to fold: the general path gives the same words, 20x slower
        # (it was 3 s of an 87k-paper index's start-up).
        return " ".join(_WORD_RE.findall(title.lower()))
    folded = unicodedata.normalize("NFKD", clean_text(title))
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).casefold()
    return " ".join(_WORD_RE.findall(folded))


def _tidy_url(url: str) -> str:
    url = url.replace("\\_", "_").replace("\\", "")
    # Sentence punctuation glued to the end of a URL is not part of it.
    return url.rstrip(".,;:!?'\"")


def extract_links(abstract: str) -> tuple[Link, ...]:
    """Return the code and project links found in an abstract, deduplicated, in order."""
    seen: dict[str, Link] = {}
    for raw in _URL_RE.findall(abstract.replace("\\_", "_")):
        url = _tidy_url(raw)
        if len(url) <= len("https://") + 3:
            continue
        key = url.rstrip("/").lower()
        if key in seen:
            continue
        host_path = key.split("://", 1)[1]
        is_code = any(host_path.startswith(h) or host_path.startswith("www." + h) for h in _CODE_HOSTS)
        kind = "code" if is_code else "project"
        label = "Code" if is_code else "Project page"
        seen[key] = Link(url=url, kind=kind, label=label)
    return tuple(seen.values())
