"""Reading a reply to a ranked answer: a follow-up that refines it, or a new question.

No language model: a small English grammar whose patterns must match the WHOLE reply once mentions,
politeness ("please", "can you", "show me", "and") and edge punctuation are stripped, so a question
that merely contains "more", a number or "code" stays a question. Months are calendar months ("past 6
months" on 30 November is since 30 May); "recent" is the last 12 months; bare "last year"/"last month"
are the previous calendar year/month, "the last year"/"past month" rolling windows back from today.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial

from bot.core.errors import UserFacingError
from bot.core.followup_authors import author_followup
from bot.core.followup_export import EXPORT, EXPORT_UNDERSTOOD, asks_export

MORE = "more"
DETAILS = "details"
SIMILAR = "similar"
CODE_FILTER = "code"
DATE_FILTER = "date"
EXCLUDE = "exclude"
NEW_TOPIC = "new-topic"
BIBTEX = "bibtex"
QUESTION = "question"

LAST = -1
# Follow-ups are short; a long message is a question whatever words it contains.
MAX_REPLY = 120


@dataclass(frozen=True)
class FollowUp:
    """One understood reply: its kind, the fields that kind uses, and a line saying what was understood."""

    kind: str
    index: int | None = None
    since: date | None = None
    until: date | None = None
    text: str = ""
    understood: str = ""


_full = partial(re.compile, flags=re.IGNORECASE)
_MENTION = re.compile(r"<@[!&]?\d+>")
# Politeness and request verbs carry no meaning here; what is left must then match a pattern whole.
_PREFIX = _full(
    r"^(?:please|pls|plz|kindly|hey|hi|ok(?:ay)?|alright|great|cool|nice|thanks|thank you|hmm+|so|also|now|then|just"
    r"|and(?!\s+for\b)|(?:can|could) (?:you|i|we)|would you|will you|may i|i(?:'d| would) like(?: to see)?"
    r"|i want(?: to see)?|let me (?:see|have)|tell (?:me|us)"
    r"|(?:show|give|get|find|list|send|fetch|display|see)(?: me| us)?)\b[\s,]*"
)
_SUFFIX = _full(r"[\s,]*\b(?:please|pls|plz|thanks|thank you|thx|for me|if possible|if you can)$")
_EDGE = " \t?!.,;:…"

_ORDINALS = {w: i for i, w in enumerate(
    "first second third fourth fifth sixth seventh eighth ninth tenth".split(), start=1)} | {"last": LAST}
_WORDS = {w: i for i, w in enumerate("one two three four five six seven eight nine ten".split(), start=1)}
_NOUN = r"(?:result|paper|item|entry|article|link|option|hit)"
_REF = _full(
    rf"(?:the )?(?:{_NOUN} )?(?:(?:number|no\.) ?)?#? ?"
    rf"(?P<n>\d{{1,2}}(?:st|nd|rd|th)?|{'|'.join(_ORDINALS)}|{'|'.join(_WORDS)})"
    rf"(?: (?:one|{_NOUN}))?(?: (?:above|from the list|on the list|in the list))?"
)
_MORE = _full(
    r"(?:(?:(?:some|any|even|a few|a bit|a little|a couple) )?more(?: (?:papers|results|ones|stuff|options|hits|links"
    r"|of (?:these|them|those|that)|like (?:these|this|that|those)))?"
    r"|(?:\d{1,2}|a few|few) more(?: papers| results)?|next(?: (?:page|results|ones|papers|batch|set|few))?|anymore"
    r"|(?:are there|is there|got) (?:any )?more(?: results| papers)?"
    r"|anything else|what else|(?:any )?others|keep going|go on|continue|carry on|load more)"
)
_CODE_NOUN = r"(?:code|source code|implementations?|a repo|repos|repositories|github)"
_CODE_ASK = _full(
    r"(?:(?:which|what)(?: ones| papers| results| of (?:them|these|those))?"
    r"|(?:do|does|did) any(?: of (?:them|these|those))?)"
    rf" (?:have|has|come with|include|provide|ship) {_CODE_NOUN}"
)
_CODE_SAY = _full(rf"(?:(?:with|having|has|have|comes? with) {_CODE_NOUN}(?: available)?|code)(?: only)?")
_CODE_FILLER = _full(r"^(?:(?:only|just|keep|filter|to|the|those|these|papers|ones|results|any|are there|that|which) )+")
_BIBTEX = [_full(p) for p in (
    r"(?:the |a )?(?:bibtex|bib|citation|reference)(?: entry| citation| key)?(?: (?:for|of|to|from))? (.+)",
    r"(?:how (?:do i|to|should i|can i|would i) )?cite (.+)",
    r"(.+?) (?:bibtex|bib|citation)",
)]
_SIMILAR = [_full(p) for p in (
    r"(?:(?:anything|something|papers|more|others|other papers|ones|stuff|work|more papers) )?"
    r"(?:similar|related|close) to (.+)",
    r"(?:similar|related) (?:papers|ones|work|results|stuff) (?:to|for) (.+)",
    r"(?:(?:more|papers|anything|something|others|other papers|ones|stuff|more papers) )?like (.+)",
)]
_DETAILS = [_full(p) for p in (
    r"(.+)",
    r"(?:(?:a bit |a little )?more )?(?:about|on) (.+)",
    r"(?:more |full |the )?(?:details?|info|information|abstract|summary|description)(?: (?:of|on|for|about|to))? (.+)",
    r"(.+?) (?:details?|in detail|abstract|summary)",
    r"(?:open|expand|explain|summari[sz]e|describe|read|view|go to|pick|choose|select|look at|check(?: out)?) (.+)",
    r"what(?:'s| is| was) (.+?) about",
    r"what(?:'s| is) in (.+)",
)]
_MONTH = (r"(?P<m>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
          r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
# Our own month names: calendar.month_name and strftime's %B follow the process locale.
_MONTH_NAMES = "January February March April May June July August September October November December".split()
_MONTH_NUMBERS = {name[:3].lower(): i for i, name in enumerate(_MONTH_NAMES, start=1)}
_YEAR = r"(?P<y>(?:19|20)\d\d)"
_P_YEAR = _full(_YEAR)
_P_NUMERIC = _full(rf"{_YEAR}[-/](?P<mo>\d{{1,2}})(?:[-/](?P<d>\d{{1,2}}))?")
_P_MONTH_FIRST = _full(rf"{_MONTH}(?: (?P<d>\d{{1,2}})(?:st|nd|rd|th)?)?(?:,? {_YEAR})?")
_P_DAY_FIRST = _full(rf"(?:the )?(?P<d>\d{{1,2}})(?:st|nd|rd|th)? (?:of )?{_MONTH}(?:,? {_YEAR})?")
_PERIODS = (_P_YEAR, _P_NUMERIC, _P_MONTH_FIRST, _P_DAY_FIRST)
_P_NAMED = _full(r"(?P<which>last|previous|this) (?P<unit>year|month)")
_SPAN = _full(
    rf"(?:(?:from|in|within|over|during|for) )?(?P<the>the )?(?P<which>last|past|previous)"
    rf" (?:(?P<n>\d{{1,4}}|a|an|{'|'.join(_WORDS)}) )?(?P<unit>day|week|month|year)s?"
)
_SINCE_FORMS = ("Give a year (`2025`), a month (`2025-03`), a day (`2025-03-14`) or a span back from today "
                "(`30d`, `12w`, `6m` months, `1y`).")
_SHORT_SPAN = _full(r"(?P<n>\d{1,4}) ?(?P<unit>d|w|m|y|days?|weeks?|months?|years?)")
# A window back from today longer than a century is a typo, not a filter.
_MAX_COUNT = {"d": 36_500, "w": 5_200, "m": 1_200, "y": 100}
_RECENT = _full(r"(?:the )?(?:recent|more recent|most recent|newer|newest|latest)")
_DATE_FILLER = _full(r"^(?:(?:only|just|papers|ones|results|those|these|published|released|posted|submitted|that|which"
                     r"|were|are|keep|show)\s+)+")
_DATE_TAIL = _full(r"\s+(?:only|ones|papers|results|stuff)$")
# How a period bounds the filter; "in", "during", "of", "from" and no word at all mean within it.
_OPS = {op: kind for kind, ops in (
    ("since", "starting from|starting in|starting|since|as of"),
    ("after", "after|newer than|later than|more recent than"), ("before", "before|older than|earlier than|prior to"),
    ("until", "until|till|up to|through"), ("in", "in|during|of|from")) for op in ops.split("|")}
_BOUND = _full(rf"(?:(?P<op>{'|'.join(_OPS)}) )?(?P<p>.+?)(?P<on> on(?:wards?)?)?")
_EXCLUDE = _full(
    r"(?P<op>without|excluding|exclude|except(?: for)?|but not|minus|ignore|skip|hide|remove|drop|filter out|leave out"
    r"|nothing (?:about|on)|not about|not on|none about|none on|no more|no) (?P<x>.+)"
)
_TOPIC_LEAD = _full(r"^(?:(?:any|the|those|ones|papers|anything|stuff|results|work|that|which|are)\s+)*"
                    r"(?:about|on|with|mentioning|related to|using|that mention|that use|involving)\s+")
_NEW_TOPIC = [_full(p) for p in (
    r"(?:what|how) about (?:for )?(?P<x>.+?)(?: instead| then)?",
    r"and for (?P<x>.+?)(?: instead| then)?",
    r"(?:the )?same (?:thing |search |question |query )?(?:but )?for (?P<x>.+)",
    r"(?:search|look|try|do|switch to|go with)(?: for)? (?P<x>.+?) instead",
    r"(?P<x>.+?) instead",
)]
_NEW_LEAD = _full(r"^(?:papers|work|research|stuff|something|anything) (?:on|about|in|for) ")
_BAD_CHARS = re.compile(r"[,:;?!()\[\]{}<>]")
_QUESTION_WORDS = set("how what why which who when where whether does do did can could should would is are".split())
# Not topics: "no thanks", "what about it", "without code" (papers lacking code is no filter we offer).
_NON_TOPICS = set("more thanks it this that them these those they you me us idea problem worries way need one ones"
                  " results papers clue there here code".split()) | {"thank you"}


def parse_followup(message: str, today: date) -> FollowUp:
    """Return what a reply asks of the last answer; anything unrecognised is a QUESTION carrying the cleaned text."""
    text = " ".join(_MENTION.sub(" ", message).split())
    if len(text) <= MAX_REPLY:
        try:
            found = _follow(_core(text), today, nested=False)
        except (ValueError, OverflowError):
            # Calendar arithmetic on absurd input (year 2099 + a century) must not escape: a reply is never an error.
            found = None
        if found is not None:
            return found
    return FollowUp(QUESTION, text=text)


def parse_since(value: str, today: date) -> date:
    """Return the earliest date a /find `since` option keeps, or explain the accepted forms."""
    phrase = " ".join(value.split())
    short, shown = _SHORT_SPAN.fullmatch(phrase), f"`{phrase[:30].replace('`', '')}`"
    if short is not None:
        since = _back(today, int(short.group("n")), short.group("unit")[0].lower())
    else:
        since = _span(phrase, today) or (_period(phrase, today) or (None,))[0]
    if since is None:
        raise UserFacingError(f"{shown} is not a date I understand. {_SINCE_FORMS}" if phrase else _SINCE_FORMS)
    if since > today:
        raise UserFacingError(f"{shown} is in the future, so nothing would match. {_SINCE_FORMS}")
    return since


def _core(text: str) -> str:
    """Return the reply without politeness, fillers and edge punctuation, for whole-message matching."""
    text = text.replace("’", "'").strip(_EDGE)
    while True:
        stripped = _SUFFIX.sub("", _PREFIX.sub("", text, count=1)).strip(_EDGE)
        if stripped == text:
            return text
        text = stripped


def _follow(core: str, today: date, nested: bool) -> FollowUp | None:
    """Return the follow-up `core` states in full, or None when it is not one."""
    if not core:
        return None
    if _MORE.fullmatch(core):
        return FollowUp(MORE, understood="More results")
    if _CODE_ASK.fullmatch(core) or _CODE_SAY.fullmatch(_CODE_FILLER.sub("", core)):
        return FollowUp(CODE_FILTER, understood="Only papers with code")
    if asks_export(core):  # "export", "bibtex file", "export to zotero": bot/core/followup_export.py
        return FollowUp(EXPORT, understood=EXPORT_UNDERSTOOD)
    for kind, patterns, label in ((BIBTEX, _BIBTEX, "BibTeX for"), (SIMILAR, _SIMILAR, "Papers similar to"),
                                  (DETAILS, _DETAILS, "Details of")):
        for match in filter(None, (pattern.fullmatch(core) for pattern in patterns)):
            index = _ref(match.group(1))
            if index is not None:
                which = "the last result" if index == LAST else f"result {index}"
                return FollowUp(kind, index=index, understood=f"{label} {which}")
    dated = _date(core, today)
    if dated is not None:
        return dated
    if (by_author := author_followup(core)) is not None:  # "only by NAME", "more by the first author"
        kind, name, index, understood = by_author
        return FollowUp(kind, index=index, text=name, understood=understood)
    excluded = _EXCLUDE.fullmatch(core)
    if excluded is not None:
        words = 2 if excluded.group("op").lower() == "no" else 6
        topic = _topic(_TOPIC_LEAD.sub("", excluded.group("x")), words)
        if topic is not None:
            return FollowUp(EXCLUDE, text=topic, understood=f"Without papers about {topic}")
    # "what about the second one?" is a follow-up in a topic's clothes: look inside once.
    return None if nested else _new_topic(core, today)


def _ref(phrase: str) -> int | None:
    """Return the 1-based result number a phrase like "the 2nd one" or "#3" names (LAST for "the last one")."""
    match = _REF.fullmatch(phrase.strip())
    if match is None:
        return None
    token = match.group("n").lower()
    number = _ORDINALS.get(token) or _WORDS.get(token) or int(token.rstrip("stndrh"))
    return number or None  # "0" names nothing


def _topic(phrase: str, max_words: int) -> str | None:
    """Return a short topic phrase, or None for a clause, a pronoun or a sentence in disguise."""
    phrase = phrase.strip().strip("\"'`“”")
    words = phrase.lower().split()
    if not words or len(words) > max_words or _BAD_CHARS.search(phrase) or phrase.lower() in _NON_TOPICS:
        return None
    # A result number ("drop 2") is not a topic: removing one result is not a filter we offer.
    return None if _QUESTION_WORDS & set(words) or _ref(phrase) is not None else phrase


def _new_topic(core: str, today: date) -> FollowUp | None:
    """Return the follow-up or new search a "what about X" reply asks for, or None."""
    for match in filter(None, (pattern.fullmatch(core) for pattern in _NEW_TOPIC)):
        inner = _follow(match.group("x"), today, nested=True)
        if inner is not None:
            return inner
        topic = _topic(_NEW_LEAD.sub("", match.group("x")), 8)
        if topic is not None:
            return FollowUp(NEW_TOPIC, text=topic, understood=f"New search: {topic}")
    return None


def _date(core: str, today: date) -> FollowUp | None:
    """Return the date filter `core` states, or None."""
    phrase = _DATE_TAIL.sub("", _DATE_FILLER.sub("", core))
    if _RECENT.fullmatch(phrase):
        return _dated(_back(today, 1, "y"), None)
    since = _span(phrase, today)
    if since is not None:
        return _dated(since, None)
    bound = _BOUND.fullmatch(phrase)
    period = _period(bound.group("p"), today) if bound is not None else None
    if bound is None or period is None:
        return None
    op, (start, end) = _OPS[" ".join((bound.group("op") or "in").lower().split())], period
    if op == "since" or bound.group("on"):
        return _dated(start, None)
    if op == "after":
        return _dated(end + timedelta(days=1), None)
    if op == "before":
        return _dated(None, start - timedelta(days=1))
    if op == "until":
        return _dated(None, end)
    # "in 2023", "from March", "this year": within the period; an end still to come bounds nothing.
    return _dated(start, end if end < today else None)


def _dated(since: date | None, until: date | None) -> FollowUp | None:
    """Return a DATE_FILTER with its one-line description."""
    first, last = (f"{d.day} {_MONTH_NAMES[d.month - 1]} {d.year}" if d else "" for d in (since, until))
    if first and last:
        said = f"on {first}" if first == last else f"between {first} and {last}"
    elif first or last:
        said = f"since {first}" if first else f"up to {last}"
    else:
        return None
    return FollowUp(DATE_FILTER, since=since, until=until, understood=f"Papers published {said}")


def _span(phrase: str, today: date) -> date | None:
    """Return the start of a rolling window like "the last 30 days" or "past 6 months", or None."""
    match = _SPAN.fullmatch(phrase)
    if match is None:
        return None
    count, unit, which = match.group("n"), match.group("unit").lower(), match.group("which").lower()
    if count is None and not match.group("the") and which != "past" and unit in ("month", "year"):
        return None  # bare "last year" is the calendar year: _period's business
    number = 1 if count is None or count.lower() in ("a", "an") else _WORDS.get(count.lower()) or int(count)
    return _back(today, number, unit[0])


def _back(today: date, count: int, unit: str) -> date | None:
    """Return `today` moved back `count` days, weeks, calendar months or years (unit d/w/m/y), or None if absurd."""
    if not 1 <= count <= _MAX_COUNT[unit]:
        return None
    if unit in ("d", "w"):
        return today - timedelta(days=count * (7 if unit == "w" else 1))
    year, month = divmod(today.year * 12 + today.month - 1 - count * (12 if unit == "y" else 1), 12)
    return date(year, month + 1, min(today.day, calendar.monthrange(year, month + 1)[1]))


def _period(phrase: str, today: date) -> tuple[date, date] | None:
    """Return the first and last day of a year, month or day like "2023", "March 2025", "2025-03-14", or None."""
    phrase = phrase.strip()
    try:
        if (named := _P_NAMED.fullmatch(phrase)) is not None:
            back = int(named.group("which").lower() != "this")
            month_ago = today.replace(day=1) - timedelta(days=back)
            is_year = named.group("unit").lower() == "year"
            phrase = f"{today.year - back}" if is_year else f"{month_ago.year}-{month_ago.month}"
        match = next(filter(None, (p.fullmatch(phrase) for p in _PERIODS)), None)
        if match is None:
            return None
        parts = match.groupdict()
        if set(parts) == {"y"}:
            return date(int(parts["y"]), 1, 1), date(int(parts["y"]), 12, 31)
        month = int(parts["mo"]) if parts.get("mo") else _MONTH_NUMBERS[parts["m"][:3].lower()]
        day = int(parts["d"]) if parts.get("d") else None
        # A month or day without a year is its latest occurrence up to today ("since December" in November).
        year = int(parts["y"]) if parts.get("y") else today.year - ((month, day or 1) > (today.month, today.day))
        if day is None:
            return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
        return date(year, month, day), date(year, month, day)
    except (ValueError, KeyError):
        return None
