"""A terminal session over the bot's own handlers, for trying PaperScout without Discord."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot.core.conversation import Place, Talk
from bot.core.engagement import LoggingEventSink
from bot.core.errors import failure_text
from bot.core.handlers import Handlers
from bot.core.live_index import LiveIndex, Retriever
from bot.core.replies import Reply, Requester
from bot.state import State
from bot.terminal import text_render

PROMPT = "paperscout> "
# Commands /help lists that need a server or a Discord account, so the console cannot run them.
DISCORD_ONLY = frozenset({"/trending", "/subscribe", "/subscriptions", "/unsubscribe", "/config"})
INTRO = """Type /find QUERY, /paper TITLE, /similar TITLE, /help, or just ask a question and talk on
("only with code", "the second one", "more"...). /new starts a new conversation; /quit (or Ctrl-D) leaves."""
# The console's one user; events from it carry no guild.
CONSOLE_USER = Requester(user_id=0, guild_id=None)


@dataclass
class ConsoleSession:
    """Turns typed lines into handler calls and prints the rendered replies."""

    handlers: Handlers
    talk: Talk
    out: TextIO
    last: Reply | None = None
    page: int = 0
    # Each /new moves to a fresh "channel", so the previous conversation is not continued.
    conversation: int = 0

    def show(self, reply: Reply, page: int = 0) -> None:
        """Print one page of a reply."""
        self.last, self.page = reply, page
        print(text_render.render(reply, page), file=self.out, flush=True)

    async def handle(self, line: str) -> bool:
        """Run one line; return False when the session should end."""
        command, _, rest = line.strip().partition(" ")
        rest = rest.strip()
        if command in {"/quit", "/exit"}:
            return False
        try:
            if command == "/help":
                self.show(self.handlers.help())
            elif command == "/find":
                self.show(await self.handlers.find(CONSOLE_USER, rest))
            elif command == "/paper":
                self.show(await self.handlers.paper(CONSOLE_USER, rest))
            elif command == "/similar":
                self.show(await self.handlers.similar(CONSOLE_USER, rest))
            elif command == "/more":
                if self.last is None or self.page + 1 >= self.last.pages:
                    print("No more results.", file=self.out)
                else:
                    self.show(self.last, self.page + 1)
            elif command == "/new":
                self.conversation += 1
                print("New conversation: ask me anything.", file=self.out)
            elif command in DISCORD_ONLY:
                print(f"{command} works on Discord only: it belongs to a server or a Discord user.", file=self.out)
            elif command.startswith("/"):
                print(f"Unknown command {command}. Type /help.", file=self.out)
            else:
                where = Place(CONSOLE_USER.user_id, None, channel_id=self.conversation)
                self.show((await self.talk.message(where, line.strip())).reply)
        except Exception as exc:
            # The same decision as on Discord: the user's fix, or the apology (the traceback goes to the log).
            print(failure_text(exc, f"console {command}"), file=self.out)
        return True


async def _session(handlers: Handlers, talk: Talk, stdin: TextIO, stdout: TextIO) -> int:
    session = ConsoleSession(handlers, talk, stdout)
    while True:
        print(PROMPT, end="", file=stdout, flush=True)
        line = stdin.readline()
        if not line:
            print(file=stdout)
            return 0
        if line.strip() and not await session.handle(line):
            return 0


def run_console(retriever: Retriever, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    """Answer typed commands over `retriever` until end of input (events go to the log)."""
    index, sink = LiveIndex(retriever), LoggingEventSink()
    # The console's conversations last as long as the session: they live in memory.
    state = State.open(Path(":memory:"))
    try:
        talk = Talk(index, state.conversations, sink)
        print(f"PaperScout console: {len(retriever)} papers.\n{INTRO}", file=stdout, flush=True)
        return run_session(Handlers(index, sink), talk, stdin, stdout)
    finally:
        state.close()


def run_session(handlers: Handlers, talk: Talk, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    """Answer typed commands with `handlers` (questions and follow-ups with `talk`) until end of input."""
    try:
        return asyncio.run(_session(handlers, talk, stdin, stdout))
    except KeyboardInterrupt:
        print(file=stdout)
        return 130
