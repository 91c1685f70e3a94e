"""Result lists kept for their paging buttons, so a page turn works after the view's timeout and a restart.

A reply of several pages is stored as plain data with the conversations
(bot/state/conversations.py) and its id goes into the buttons' custom ids: whichever
process gets the click reads the list back and shows the page the button names. A list
lasts as long as a conversation, `CONVERSATION_TTL` after its last use; after that its
buttons answer `EXPIRED`. Cards name their paper by id and are rebuilt from the live index,
so a page shows the paper as the corpus has it now, and leaves out one it no longer has.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from dataclasses import dataclass, fields
from datetime import datetime, timezone
from typing import Any, Callable, Protocol

from bot.core.live_index import LiveIndex
from bot.core.replies import Card, Quote, Reply, Requester
from bot.state.conversations import CONVERSATION_TTL, KeptResults
from corpus.paper import Paper

log = logging.getLogger(__name__)

KEEP_HOURS = int(CONVERSATION_TTL.total_seconds() // 3600)
EXPIRED = (
    f"These results have expired: I keep result pages for {KEEP_HOURS} hours after their last use. "
    "Search again for fresh ones."
)


class ResultListStore(Protocol):
    """The part of bot.state.conversations.Conversations that keeps result lists."""

    def keep_results(self, user_id: int, guild_id: int | None, data: dict[str, Any], now: datetime) -> int: ...
    def results(self, list_id: int, now: datetime) -> KeptResults | None: ...
    def touch_results(self, list_id: int, now: datetime) -> None: ...


@dataclass(frozen=True)
class KeptList:
    """A kept result list: its id, who searched (only they turn its pages), and the reply."""

    id: int
    owner: Requester
    reply: Reply


def _plain(obj: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in fields(obj) if f.name not in skip}


def _build(cls: type, data: dict[str, Any]) -> Any:
    # JSON turned tuples into lists; a field this version does not know (a list kept by another
    # PaperScout version) is left out, and one the data lacks takes its default.
    names = {f.name for f in fields(cls)}
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in names})


def reply_data(reply: Reply) -> dict[str, Any]:
    """Return a reply as JSON-ready plain data; each card names its paper by id."""
    data = _plain(reply, skip=("cards", "quotes"))
    data["cards"] = [{**_plain(card, skip=("paper",)), "paper": card.paper.id} for card in reply.cards]
    data["quotes"] = [_plain(quote) for quote in reply.quotes]
    return data


def reply_from_data(data: dict[str, Any], paper_of: Callable[[str], Paper | None]) -> Reply:
    """Return the reply `reply_data` made, with the papers `paper_of` still finds (the others left out)."""
    cards = []
    for card in data.get("cards") or []:
        paper = paper_of(str(card.get("paper", "")))
        if paper is not None:
            cards.append(_build(Card, {**card, "paper": paper}))
    quotes = tuple(_build(Quote, quote) for quote in data.get("quotes") or [])
    return _build(Reply, {**data, "cards": tuple(cards), "quotes": quotes})


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class ResultPages:
    """Keeps result lists for their paging buttons and gives them back, over the live index."""

    def __init__(self, index: LiveIndex, store: ResultListStore, clock: Callable[[], datetime] = _utc_now) -> None:
        self.index = index
        self.store = store
        self.clock = clock

    async def keep(self, owner: Requester, reply: Reply) -> int | None:
        """Keep a reply for its paging buttons; return its id, or None (logged) when it could not be kept."""
        try:
            return await asyncio.to_thread(
                self.store.keep_results, owner.user_id, owner.guild_id, reply_data(reply), self.clock()
            )
        except sqlite3.OperationalError as exc:
            # Another program holds the state file's lock (the writes give up after a bound): an
            # expected, passing condition, one line each time rather than a traceback per search.
            log.warning("could not keep the result list of user %s (%s); showing it without paging", owner.user_id, exc)
            return None
        except Exception:
            # The results are ready: show their first page rather than nothing.
            log.exception("could not keep the result list of user %s; showing it without paging", owner.user_id)
            return None

    async def get(self, list_id: int) -> KeptList | None:
        """Return a kept list, or None once it expired."""
        return await asyncio.to_thread(self._load, list_id)

    def _load(self, list_id: int) -> KeptList | None:
        kept = self.store.results(list_id, self.clock())
        if kept is None:
            return None
        reply = reply_from_data(kept.data, self.index.current.get)
        return KeptList(kept.id, Requester(kept.user_id, kept.guild_id), reply)

    async def touch(self, list_id: int) -> None:
        """Mark a list used, so it lasts another `CONVERSATION_TTL`."""
        try:
            await asyncio.to_thread(self.store.touch_results, list_id, self.clock())
        except Exception:
            # The page was turned; at worst the list expires a little sooner.
            log.exception("could not mark result list %s as used", list_id)
