"""A terminal session over the bot's own handlers, for trying PaperScout without Discord."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from typing import TextIO

from bot.core.engagement import LoggingEventSink
from bot.core.errors import failure_text
from bot.core.handlers import Handlers
from bot.core.live_index import LiveIndex, Retriever
from bot.core.replies import Reply, Requester
from bot.terminal import text_render

PROMPT = "paperscout> "
# Commands /help lists that need a server or a Discord account, so the console cannot run them.
DISCORD_ONLY = frozenset({"/trending", "/subscribe", "/subscriptions", "/unsubscribe", "/config"})
INTRO = """Type /find QUERY, /paper TITLE, /similar TITLE, /help, or just ask a question.
/more shows the next page of results; /quit (or Ctrl-D) leaves."""
# The console's one user; events from it carry no guild.
CONSOLE_USER = Requester(user_id=0, guild_id=None)


@dataclass
class ConsoleSession:
    """Turns typed lines into handler calls and prints the rendered replies."""

    handlers: Handlers
    out: TextIO
    last: Reply | None = None
    page: int = 0

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
            elif command in DISCORD_ONLY:
                print(f"{command} works on Discord only: it belongs to a server or a Discord user.", file=self.out)
            elif command.startswith("/"):
                print(f"Unknown command {command}. Type /help.", file=self.out)
            else:
                self.show(await self.handlers.mention(CONSOLE_USER, line.strip()))
        except Exception as exc:
            # The same decision as on Discord: the user's fix, or the apology (the traceback goes to the log).
            print(failure_text(exc, f"console {command}"), file=self.out)
        return True


async def _session(handlers: Handlers, stdin: TextIO, stdout: TextIO) -> int:
    session = ConsoleSession(handlers, stdout)
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
    handlers = Handlers(LiveIndex(retriever), LoggingEventSink())
    print(f"PaperScout console: {len(retriever)} papers.\n{INTRO}", file=stdout, flush=True)
    return run_session(handlers, stdin, stdout)


def run_session(handlers: Handlers, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    """Answer typed commands with `handlers` until end of input."""
    try:
        return asyncio.run(_session(handlers, stdin, stdout))
    except KeyboardInterrupt:
        print(file=stdout)
        return 130
