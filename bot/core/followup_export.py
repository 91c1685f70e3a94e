"""The "export" follow-up: a reply asking for the answer's papers as files for a reference manager.

Read like the other follow-ups (bot/core/followups.py): the whole reply, politeness stripped,
must match, so a question that merely contains "export" ("export controls for LLMs") stays a
question. "bibtex" alone stays what it was (a question: no result named), and "bibtex 2" is
still one result's entry; a file, a format with no result number ("ris"), a reference manager,
or the whole list ("bibtex for all of them") asks for the export.
"""

from __future__ import annotations

import re

EXPORT = "export"
EXPORT_UNDERSTOOD = "Export of these results as BibTeX and RIS files"

_FORMAT = r"(?:bibtex|bib|ris|\.bib|\.ris)"
_FORMATS = rf"{_FORMAT}(?: (?:and|&|\+|or) {_FORMAT})?"
_MANAGER = r"(?:zotero|mendeley|endnote|(?:a |my )?(?:reference|citation) manager)"
_WHAT = (r"(?:these|them|those|this|it|this list|(?:all )?(?:the |these |those )?(?:results|papers|list)"
         r"|all(?: of (?:them|these|those|the results|the papers))?|everything)")
_FILES = r"(?:files?|format|export|entries)"
_FULL = [re.compile(p, re.IGNORECASE) for p in (
    # "export", "export these to zotero", "download them as bibtex", "save the results as a ris file"
    rf"(?:export|download|save)(?: {_WHAT})?"
    rf"(?: (?:(?:to|into|for|as|in) )?(?:(?:a |the )?{_FORMATS}(?: {_FILES})?|(?:a )?files?)| (?:to|into|for) {_MANAGER})?",
    # "bibtex file", "the bib and ris files", "a ris export of these"
    rf"(?:(?:a|the) )?{_FORMATS} {_FILES}(?: (?:of|for) {_WHAT})?",
    # "bibtex for all of them", "citations for these"
    rf"(?:the )?(?:{_FORMATS}|citations?|references)(?: entries)? (?:for|of) {_WHAT}",
    # "ris" alone: unlike "bibtex", it never named one result's entry.
    r"(?:(?:a|the) )?(?:ris|\.ris|\.bib)",
    # "to zotero", "for mendeley", "into endnote please"
    rf"(?:(?:to|into|for) )?{_MANAGER}",
)]


def asks_export(core: str) -> bool:
    """Return whether a reply (politeness already stripped) asks for the papers as files, in full."""
    return any(pattern.fullmatch(core) for pattern in _FULL)
