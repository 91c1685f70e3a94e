"""Adding a paper someone pasted but the corpus lacks: who may, how often, fetched from arXiv, audited.

The corpus is shared by every server the bot is in, and what enters it is sent to other
servers' subscribers as new: so only the bot's owners, and members with Manage Server in
servers the operator approved, may grow it, each within a daily quota, and each fetch is
recorded (bot/state/fetch_audit.py) before arXiv is asked.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from bot.core.replies import Reply
from bot.state.fetch_audit import ADDED, BACKOFF, BUSY, FAILED, MISSING, PRESENT, FetchAudit, Reservation
from corpus.records import normalize_arxiv_id
from corpus.sources.refresh import Refresher, RefreshReport

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FetchPolicy:
    """Who may fetch papers into the shared corpus from Discord, and how many a day (settings: bot/settings.py)."""

    per_user_daily: int
    per_server_daily: int
    owner_ids: frozenset[int] = frozenset()
    admin_guild_ids: frozenset[int] = frozenset()

    def may_fetch(self, user_id: int, guild_id: int | None, manages_server: bool) -> bool:
        """Return whether this member may fetch: an owner anywhere, or a server manager in an approved server."""
        if user_id in self.owner_ids:
            return True
        return guild_id is not None and guild_id in self.admin_guild_ids and manages_server

    def who_can_add(self) -> str:
        """Return the one line telling a member who can add papers."""
        who = (["my owners"] if self.owner_ids else []) + (
            ["members with Manage Server in servers my operator approved"] if self.admin_guild_ids else []
        )
        if not who:
            return "Only my operator can add papers to my corpus."
        return f"Only {' and '.join(who)} can add papers to my corpus."


@dataclass(frozen=True)
class FetchRequest:
    """One click of a Fetch button: which paper, who clicked, where."""

    arxiv_id: str
    user_id: int
    guild_id: int | None
    manages_server: bool


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class PaperFetch:
    """Fetches papers by arXiv id into the store for members who may, then brings the served index up to date.

    Synchronous (SQLite, network, embedding): call `fetch` in a thread.
    """

    def __init__(
        self,
        refresher: Refresher,
        sync_index: Callable[[], object],
        audit: FetchAudit,
        policy: FetchPolicy,
        *,
        clock: Callable[[], datetime] = _utc_now,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.refresher = refresher
        self.sync_index = sync_index
        self.audit = audit
        self.policy = policy
        self.clock = clock
        # The refresher's clock, which its backoff's `retry_at` is measured on.
        self.monotonic = monotonic

    def may_fetch(self, user_id: int, guild_id: int | None, manages_server: bool) -> bool:
        """Return whether this member may fetch papers (the policy's rule)."""
        return self.policy.may_fetch(user_id, guild_id, manages_server)

    def offer(self, reply: Reply, may_fetch: bool) -> Reply:
        """Return `reply` with the line saying who can add papers, unless this member can."""
        return reply if may_fetch else dataclasses.replace(reply, text=f"{reply.text}\n{self.policy.who_can_add()}")

    def fetch(self, request: FetchRequest) -> str:
        """Add one paper by arXiv id if the member may and has quota left; return the one line to tell them."""
        if not self.may_fetch(request.user_id, request.guild_id, request.manages_server):
            log.info("user %s (guild %s) may not fetch arXiv:%s", request.user_id, request.guild_id, request.arxiv_id)
            return self.policy.who_can_add()
        arxiv_id = normalize_arxiv_id(request.arxiv_id)
        if arxiv_id is None:
            return "That is not an arXiv id I can fetch."
        reservation = self.audit.reserve(
            request.user_id, request.guild_id, arxiv_id, self.clock(),
            per_user=self.policy.per_user_daily, per_server=self.policy.per_server_daily,
        )
        if reservation.over is not None:
            return _over_quota(reservation)
        outcome = FAILED
        try:
            # wait=0: a click while another fetch is under way is told so at once, rather than holding
            # one of the few worker threads for as long as arXiv takes.
            report = self.refresher.fetch_arxiv_ids([arxiv_id], wait=0)
            outcome, text = self._outcome(report, arxiv_id)
        finally:
            # Recorded before indexing: the audit says what entered the corpus even if indexing fails.
            self.audit.finish(reservation.record_id, outcome)
        if outcome in (ADDED, PRESENT):
            # Rebuilds only when the store changed (IndexSync compares revisions): a paper already
            # stored costs nothing, and the quotas bound how often anyone can make it rebuild.
            self.sync_index()
        return text

    def _outcome(self, report: RefreshReport, arxiv_id: str) -> tuple[str, str]:
        """Return the audit outcome of a fetch and the one line telling the member."""
        if report.status == "busy":
            return BUSY, f"I am fetching another paper from arXiv right now; try arXiv:{arxiv_id} again in a minute."
        if report.status == "backoff":
            wait = max(60.0, (report.retry_at or 0.0) - self.monotonic())
            return BACKOFF, f"I am giving arXiv a rest after an error; try arXiv:{arxiv_id} again in about {round(wait / 60)} min."
        if report.status == "disabled":
            return FAILED, "Fetching papers from arXiv is turned off for this bot."
        if report.error:
            # The error can hold text arXiv sent: the operator's log gets it, the member a plain line.
            log.warning("fetching arXiv:%s failed: %s", arxiv_id, report.error)
            return FAILED, f"I could not fetch arXiv:{arxiv_id} just now. Try again later."
        if not (report.added or report.updated or report.unchanged):
            return MISSING, f"arXiv has no paper arXiv:{arxiv_id}."
        outcome = ADDED if report.added or report.updated else PRESENT
        return outcome, f"Added arXiv:{arxiv_id} to my corpus: it shows up in searches now."


def _over_quota(reservation: Reservation) -> str:
    """Return the one line refusing a fetch past a daily quota."""
    who = "you have" if reservation.over == "user" else "this server has"
    papers = "paper" if reservation.limit == 1 else "papers"
    when = f" after {reservation.free_at:%H:%M} UTC" if reservation.free_at is not None else " tomorrow"
    return f"Daily limit reached: {who} fetched {reservation.limit} {papers} in the last 24 hours. Try again{when}."
