"""The discord.py client: intents, allowed mentions, where Discord is, and command sync."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import discord
import yarl
from discord import app_commands
from discord.ext import commands
from discord.gateway import DiscordWebSocket

from bot.core.conversation import Talk
from bot.core.errors import FatalError
from bot.core.handlers import Handlers
from bot.core.result_pages import ResultPages
from bot.discord_app.cogs import EXTENSIONS
from bot.discord_app.command_sync import sync_commands
from bot.discord_app.responder import report_failure
from bot.discord_app.views import RESULT_CONTROLS, VIEW_TIMEOUT
from bot.state.conversations import Conversations
from bot.state.db import Database

if TYPE_CHECKING:
    from bot.core.paper_fetch import PaperFetch
    from bot.core.scheduler import Scheduler
    from bot.state import PostLedger, State

log = logging.getLogger(__name__)


def bot_intents() -> discord.Intents:
    """Return the intents the bot needs: none privileged (mentions and DMs carry content)."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.dm_messages = True
    # 👍/🔥 reactions on the daily post count towards trending.
    intents.guild_reactions = True
    return intents


def utc_clock() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(timezone.utc)


def point_discord_at(api_base: str, gateway_url: str) -> None:
    """Send discord.py's REST calls and gateway connection to the configured servers."""
    # Route builds each URL from BASE when created, so webhooks and interaction callbacks
    # follow too. Never call _set_api_version afterwards: it resets BASE.
    discord.http.Route.BASE = api_base.rstrip("/")
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


class PaperScoutBot(commands.Bot):
    """PaperScout on Discord: slash commands and mention answers over shared handlers."""

    def __init__(
        self,
        handlers: Handlers,
        talk: Talk,
        *,
        command_hash_file: Path | None = None,
        state: State | None = None,
        dev_guild_id: int | None = None,
        view_timeout: float = VIEW_TIMEOUT,
        clock: Callable[[], datetime] = utc_clock,
        **options: Any,
    ) -> None:
        # PaperScout never joins voice: skip discord.py's warnings about missing voice libraries.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=bot_intents(),
            help_command=None,
            # Echoed queries and paper text must never ping anyone.
            allowed_mentions=discord.AllowedMentions.none(),
            **options,
        )
        self.handlers = handlers
        self.talk = talk
        self.command_hash_file = command_hash_file
        # Without a state store (e.g. some tests) /config, /trending and /subscribe are not loaded.
        self.state = state
        self.dev_guild_id = dev_guild_id
        self.view_timeout = view_timeout
        # Votes, reactions, /trending and the expiry of result lists read the time here, so tests can move it.
        self.clock = clock
        # Result lists behind the ◀/▶ buttons live with the conversations, and as long. Without a
        # state store (some tests) they are kept in memory: paging works until the process ends.
        self._own_lists: Database | None = None
        if state is not None:
            lists = state.conversations
        else:
            self._own_lists = Database(Path(":memory:"))
            lists = Conversations(self._own_lists)
        self.result_pages = ResultPages(handlers.index, lists, clock)
        # Set by the composition root; started once the client is ready (posting needs the guild cache).
        self.scheduler: Scheduler | None = None
        # Set by the composition root when the arXiv feed is enabled: adds pasted papers the corpus lacks.
        self.fetch: PaperFetch | None = None
        self._scheduler_stop = asyncio.Event()
        self._scheduler_task: asyncio.Task[None] | None = None
        self.sync_outcome: str | None = None
        # Set when the scheduler hit an error the bot cannot go on with; the composition root exits 1.
        self.fatal_error: FatalError | None = None
        self.tree.on_error = self._on_tree_error

    async def setup_hook(self) -> None:
        """Register the result controls, load the cogs, then sync commands per the rules in command_sync."""
        # Registered before any message can be clicked: they answer every results message ever sent.
        self.add_dynamic_items(*RESULT_CONTROLS)
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        self.sync_outcome = await sync_commands(self.tree, self.command_hash_file, self.dev_guild_id)

    async def on_ready(self) -> None:
        """Log who we are once connected, and start the scheduler the first time."""
        assert self.user is not None
        log.info("connected as %s (%s) in %d guilds", self.user, self.user.id, len(self.guilds))
        if self.scheduler is not None and self._scheduler_task is None:
            self._scheduler_task = asyncio.create_task(self.scheduler.run(self._scheduler_stop), name="scheduler")
            self._scheduler_task.add_done_callback(self._scheduler_ended)

    def _scheduler_ended(self, task: asyncio.Task[None]) -> None:
        """Shut the bot down when the scheduler stopped on a FatalError (one log line, then exit 1)."""
        if task.cancelled() or not isinstance(task.exception(), FatalError):
            return
        self.fatal_error = task.exception()  # type: ignore[assignment]
        log.error("%s", self.fatal_error)
        asyncio.get_running_loop().create_task(self.close(), name="fatal-close")

    async def close(self) -> None:
        """Stop the scheduler (letting a running tick finish), then disconnect."""
        if self._scheduler_task is not None:
            self._scheduler_stop.set()
            try:
                await asyncio.wait_for(asyncio.shield(self._scheduler_task), timeout=10)
            except (asyncio.TimeoutError, asyncio.CancelledError):
                self._scheduler_task.cancel()
            except FatalError:
                pass  # already logged by _scheduler_ended
            except Exception:
                log.exception("the scheduler stopped with an error")
        await super().close()
        if self._own_lists is not None:
            self._own_lists.close()

    async def on_message(self, message: discord.Message) -> None:
        """Do nothing here: there are no prefix commands; the mention cog listens for messages."""

    @property
    def ledger(self) -> PostLedger | None:
        """Return the post ledger the persistent vote buttons record into (None without state)."""
        return self.state.ledger if self.state is not None else None

    async def _on_tree_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        """Tell the user what went wrong in any command: their fix, or the apology (logged)."""
        command = interaction.command
        await report_failure(interaction, error, f"/{command.qualified_name}" if command else "a command")
