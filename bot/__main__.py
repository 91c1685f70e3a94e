"""`python -m bot`: read settings, open the corpus, index and state, run the Discord bot until SIGTERM.

This and bot/cli.py are the composition roots: the only modules that read settings; they
wire plain objects (the state's table groups, the live index, handlers) into the front end.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from typing import TYPE_CHECKING

from bot.allocator import ARENAS, bound_allocator, operator_settings, release_free_memory
from bot.logging_setup import redact, setup_logging
from bot.settings import Settings, SettingsError, get_settings

if TYPE_CHECKING:
    from datetime import datetime

    from bot.core.live_index import LiveIndex
    from bot.core.scheduler import Scheduler
    from bot.discord_app.client import PaperScoutBot
    from bot.services import Services
    from bot.state import State
    from retrieval.hybrid import HybridRetriever

log = logging.getLogger("paperscout")

# How often the bot hands the free pages of glibc's arenas back (bot/allocator.py says what it measured).
RELEASE_EVERY_S = 30.0


def _warm_up(retriever: HybridRetriever) -> None:
    """Run one throwaway search and title look-up (loading the model, building what an index builds on first use).

    A failure here only means the first real search is slower.
    """
    try:
        retriever.search("warm up", 1)
        retriever.find_title("warm up")
    except Exception:
        log.warning("warm-up search failed; continuing", exc_info=True)


def build_scheduler(settings: Settings, bot: PaperScoutBot, index: LiveIndex, services: Services, state: State) -> Scheduler:
    """Wire the daily jobs: the index kept in step with the store, fresh papers, subscriptions, the trending post, digests."""
    from bot.core.fresh_papers import FreshPapers
    from bot.core.index_sync import IndexSync
    from bot.core.paper_fetch import FetchPolicy, PaperFetch
    from bot.core.scheduler import Scheduler
    from bot.discord_app.digest_post import digest_poster
    from bot.discord_app.subscription_delivery import deliver_new_papers
    from bot.discord_app.trending_post import TrendingPoster
    from bot.services import build_index
    from corpus.sources.refresh import Refresher
    from retrieval.hybrid import HybridRetriever as HybridRetrieverType

    def rebuild() -> tuple[HybridRetriever, int]:
        # lock_wait=0: while another process writes the vectors, keep serving and retry next tick.
        served = index.current
        retriever, _, revision = build_index(
            services.data_dir, services.store, services.encoder, lock_wait=0,
            # Shares what did not change with the index being served (memory: see open_index).
            previous=served if isinstance(served, HybridRetrieverType) else None,
        )
        # Here, in the sync's thread, rather than in the first request the new index serves.
        _warm_up(retriever)
        return retriever, revision

    sync = IndexSync(index, services.store.revision, rebuild, services.revision)
    hf_config, arxiv_config = settings.source_configs()
    refresher = Refresher(services.store, hf_config, arxiv_config)
    fresh = FreshPapers(refresher, sync.sync)
    if arxiv_config.enabled:
        policy = FetchPolicy(
            per_user_daily=settings.fetch_daily_limit_per_user,
            per_server_daily=settings.fetch_daily_limit_per_server,
            owner_ids=settings.owner_ids,
            admin_guild_ids=settings.corpus_admin_guilds,
        )
        bot.fetch = PaperFetch(refresher, sync.sync, state.fetch_audit, policy)
        # The operator should see at start who can grow the shared corpus from Discord.
        log.info(
            "Fetch buttons: for %d owner(s) (BOT_OWNER_IDS) and Manage Server members of %d server(s) "
            "(CORPUS_ADMIN_GUILD_IDS); %d a day per member, %d per server",
            len(policy.owner_ids), len(policy.admin_guild_ids), policy.per_user_daily, policy.per_server_daily,
        )

    async def deliver(now: datetime) -> object:
        # The scheduler calls this after the refresh published the new index, so new papers are searchable.
        return await deliver_new_papers(bot, state.subscriptions, index, now)

    return Scheduler(
        state.servers,
        state.meta,
        TrendingPoster(bot, state.ledger, state.events, index),
        prune=state.prune,
        sync_index=sync.sync,
        refresh=fresh.refresh,
        deliver=deliver,
        digest=digest_poster(bot, state, index).post_due,
        refresh_time=settings.refresh_time,
        tick_seconds=settings.scheduler_tick_seconds,
    )


def _open(settings: Settings) -> tuple[State, Services]:
    """Open the state, then the corpus and index (synchronous: run in a thread)."""
    from bot.services import open_services
    from bot.state import State

    data_dir = settings.data_dir.prepare()
    # Open the state first: a corrupt file should stop start-up before the slow index work.
    state = State.open(data_dir.state)
    try:
        first_build = not data_dir.has_index()
        if first_build:
            log.info("no index in %s yet: building it before connecting (embedding every paper: about two minutes for the 440 shipped ones on two cores)", data_dir.root)
        else:
            log.info("opening the corpus and index in %s", data_dir.root)
        services = open_services(data_dir, progress=first_build)
        # Load the embedding model now, so the first user does not wait for it.
        _warm_up(services.retriever)
    except BaseException:
        state.close()
        raise
    return state, services


async def _release_free_memory_every(seconds: float) -> None:
    """Hand the allocator's free pages back now (the index build freed much), then every `seconds`."""
    while True:
        # In a worker thread: it walks every arena, holding each one's lock in turn.
        await asyncio.to_thread(release_free_memory)
        await asyncio.sleep(seconds)


async def serve(settings: Settings) -> int:
    """Open the services, connect, and run until SIGTERM/SIGINT or a fatal client error."""
    import discord

    from bot.core.conversation import Talk
    from bot.core.handlers import Handlers
    from bot.core.live_index import LiveIndex
    from bot.core.ratelimit import SlidingWindowLimiter
    from bot.discord_app.client import PaperScoutBot, point_discord_at
    from bot.startup_errors import STARTUP_ERRORS
    from bot.state.event_writer import EventWriter

    try:
        state, services = await asyncio.to_thread(_open, settings)
    except STARTUP_ERRORS as exc:
        # Each names the file and what to do; the operator needs that line, not a traceback.
        log.error("%s", exc)
        return 1
    log.info("%d papers ready; connecting to Discord", len(services.retriever))
    releaser = asyncio.create_task(_release_free_memory_every(RELEASE_EVERY_S), name="release-free-memory")

    index = LiveIndex(services.retriever)
    # Events are stored from the writer's own thread: the event loop never waits on the disk.
    sink = EventWriter(state.events)
    limiter = SlidingWindowLimiter(settings.rate_limit_count, settings.rate_limit_seconds)
    handlers = Handlers(index, sink, limiter)
    talk = Talk(index, state.conversations, sink, limiter)
    point_discord_at(settings.discord_api_base, settings.discord_gateway_url)
    bot = PaperScoutBot(
        handlers,
        talk,
        command_hash_file=settings.data_dir.command_hash,
        state=state,
        dev_guild_id=settings.discord_dev_guild_id,
    )
    bot.scheduler = build_scheduler(settings, bot, index, services, state)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    assert settings.discord_token is not None
    client_task = asyncio.create_task(bot.start(settings.discord_token.get_secret_value()), name="discord-client")
    stop_task = asyncio.create_task(stop.wait(), name="stop-signal")
    await asyncio.wait({client_task, stop_task}, return_when=asyncio.FIRST_COMPLETED)

    code = 0
    if stop.is_set():
        log.info("stop requested: closing the Discord connection")
    else:
        error = None if client_task.cancelled() else client_task.exception()
        if isinstance(error, discord.LoginFailure):
            log.error("Discord refused the login: check DISCORD_TOKEN")
        elif isinstance(error, discord.PrivilegedIntentsRequired):
            log.error("Discord refused the intents the bot asked for")
        elif error is not None:
            log.error("the Discord client stopped", exc_info=error)
        code = 1
    if bot.fatal_error is not None:
        code = 1
    stop_task.cancel()
    releaser.cancel()
    await bot.close()
    with contextlib.suppress(Exception, asyncio.CancelledError):
        await client_task
    sink.close()
    state.close()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.remove_signal_handler(sig)
    log.info("stopped cleanly")
    return code


def run_bot(settings: Settings) -> int:
    """Run the Discord bot with `settings`; return the process exit code."""
    if not settings.has_token:
        log.error("missing setting DISCORD_TOKEN: the bot cannot log in (try `paperscout console`)")
        return 2
    assert settings.discord_token is not None
    redact(settings.discord_token.get_secret_value())
    # Before asyncio.run starts any thread: each thread that allocates keeps the arena it made.
    if bound_allocator():
        log.info("malloc: at most %d arenas (bot/allocator.py)", ARENAS)
    elif operator_settings():
        log.info("malloc: as %s set it", ", ".join(operator_settings()))
    try:
        return asyncio.run(serve(settings))
    except KeyboardInterrupt:
        return 130


def main() -> int:
    """Read settings (one line naming a bad variable on error), set up logging, run the bot."""
    try:
        settings = get_settings()
    except SettingsError as exc:
        print(f"paperscout: {exc}", file=sys.stderr)
        return 2
    if not settings.has_token:
        print("paperscout: missing setting DISCORD_TOKEN (set it, or run `paperscout console`)", file=sys.stderr)
        return 2
    setup_logging(settings.log_level)
    return run_bot(settings)


if __name__ == "__main__":
    raise SystemExit(main())
