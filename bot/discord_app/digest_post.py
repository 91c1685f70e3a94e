"""Sending each server's weekly digest once per ISO week, across restarts.

When a digest is due is decided in bot/core/digest_schedule.py, what it holds in
bot/core/weekly_digest.py. Sending follows the daily post's three steps
(bot/discord_app/trending_post.py): claim the week in the ledger ("pending", with the
digest's papers and a nonce) before anything is sent, send with that nonce, then mark it
"sent". A week already claimed is never built or claimed again; a claim still "pending"
after a restart means we crashed around the send, so the channel's recent history is
searched for our digest of that week before it is sent again (same papers, same nonce).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

import discord

from bot.core.daily_post import FINAL
from bot.core.digest_schedule import DueSlot, digest_nonce, due_slot, plan_of
from bot.core.digest_text import digest_content, marker
from bot.core.live_index import LiveIndex
from bot.core.weekly_digest import Digest, build_digest, digest_from_json
from bot.discord_app.embeds import result_embeds
from bot.discord_app.own_posts import messageable, own_message
from bot.state import State
from bot.state.digest_settings import DigestLedger, DigestRecord, DigestSchedule, DigestSettings
from bot.state.events import EventLog
from bot.state.ledger import PostLedger
from bot.state.server_settings import ServerSettings
from bot.state.subscriptions import Subscriptions

log = logging.getLogger(__name__)



class DigestPoster:
    """Sends the weekly digests that are due; one instance per bot, called by the scheduler every tick."""

    def __init__(
        self,
        client: discord.Client,
        digests: DigestSettings,
        ledger: DigestLedger,
        servers: ServerSettings,
        subscriptions: Subscriptions,
        posts: PostLedger,
        events: EventLog,
        index: LiveIndex,
    ) -> None:
        self.client = client
        self.digests = digests
        self.ledger = ledger
        self.servers = servers
        self.subscriptions = subscriptions
        self.posts = posts
        self.events = events
        self.index = index

    async def post_due(self, now: datetime) -> dict[int, str]:
        """Send every digest due at `now`; return what happened per server that had one due."""
        outcomes = {}
        for schedule in await asyncio.to_thread(self.digests.enabled):
            try:
                outcome = await self.post(schedule, now)
            except Exception:
                # One server's trouble must not cost the others their digest; the next tick retries.
                log.exception("the weekly digest of guild %s failed; retrying at the next tick", schedule.guild_id)
                outcome = "error"
            if outcome != "not-due":
                outcomes[schedule.guild_id] = outcome
        return outcomes

    async def post(self, schedule: DigestSchedule, now: datetime) -> str:
        """Send a server's digest if due; return "sent", "recovered", "skipped", "failed", "retry" or "not-due"."""
        guild_id = schedule.guild_id
        plan = plan_of(schedule, await asyncio.to_thread(self.servers.get, guild_id))
        slot = due_slot(plan, now) if plan is not None else None
        if plan is None or slot is None:
            return "not-due"
        record = await asyncio.to_thread(self.ledger.get, guild_id, slot.week)
        if record is not None and record.status in FINAL:
            return "not-due"
        channel_id = record.channel_id if record is not None else plan.channel_id
        channel = await messageable(self.client, channel_id)
        if channel is None:
            log.warning("guild %s: digest channel %s is gone or hidden; no digest for %s", guild_id, channel_id, slot.week)
            await asyncio.to_thread(self._settle, guild_id, slot.week, channel_id, "failed")
            return "failed"
        source = self.index.current
        if record is not None:
            found = await own_message(self.client, channel, record.nonce, marker(record.week), "digest")
            if found is not None:
                await asyncio.to_thread(self.ledger.mark, guild_id, slot.week, "sent", found.id)
                log.info("guild %s: found the %s digest already sent (message %s)", guild_id, slot.week, found.id)
                return "recovered"
            digest = digest_from_json(record.content, source)
        else:
            digest = await asyncio.to_thread(
                build_digest, source, self.subscriptions, self.posts, self.events, guild_id, now
            )
            status = "pending" if digest.sections else "skipped"
            record = await asyncio.to_thread(
                self.ledger.claim, guild_id, slot.week, channel_id, digest_nonce(guild_id, slot.week),
                digest.to_json(), status,
            )
            if record is None:
                return "not-due"  # claimed meanwhile (another process): that one sends it
            if not digest.sections:
                log.info("guild %s: nothing for the %s digest (no recent papers on its topics, no trending); skipping the week", guild_id, slot.week)
                return "skipped"
        if not digest.sections:
            log.info("guild %s: the papers of the pending %s digest are gone; skipping the week", guild_id, slot.week)
            await asyncio.to_thread(self.ledger.mark, guild_id, slot.week, "skipped")
            return "skipped"
        return await self._send(channel, record, digest, slot)

    async def _send(self, channel: discord.abc.Messageable, record: DigestRecord, digest: Digest, slot: DueSlot) -> str:
        guild_id, week = record.guild_id, record.week
        content = digest_content(digest, slot.local_date, week)
        try:
            sent = await channel.send(content=content, embeds=result_embeds(digest.cards()), nonce=record.nonce)
        except discord.Forbidden as exc:
            log.warning("guild %s: not allowed to post in channel %s (%s); no digest for %s", guild_id, record.channel_id, exc.text, week)
            await asyncio.to_thread(self.ledger.mark, guild_id, week, "failed")
            return "failed"
        except (discord.HTTPException, OSError, asyncio.TimeoutError) as exc:
            # Left "pending": the next tick checks the history, then resends with the same nonce.
            log.warning("guild %s: sending the %s digest failed (%s); will retry", guild_id, week, exc)
            return "retry"
        await asyncio.to_thread(self.ledger.mark, guild_id, week, "sent", sent.id)
        log.info("guild %s: sent the %s digest with %d papers", guild_id, week, len(digest.paper_ids))
        return "sent"

    def _settle(self, guild_id: int, week: str, channel_id: int, status: str) -> None:
        """Record a week without a digest, so it is not attempted again."""
        if self.ledger.claim(guild_id, week, channel_id, digest_nonce(guild_id, week), "[]", status) is None:
            self.ledger.mark(guild_id, week, status)


def digest_poster(client: discord.Client, state: State, index: LiveIndex) -> DigestPoster:
    """Return the poster over a state file's tables (the digest's own two included)."""
    return DigestPoster(
        client, DigestSettings(state.db), DigestLedger(state.db), state.servers, state.subscriptions,
        state.ledger, state.events, index,
    )
