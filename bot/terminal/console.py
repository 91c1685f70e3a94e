"""A terminal session over the bot's own handlers, for trying PaperScout without Discord."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot.core.author_papers import author_choices, with_author
from bot.core.conversation import PER_ANSWER, Place, Talk
from bot.core.engagement import LoggingEventSink
from bot.core.errors import failure_text
from bot.core.handlers import Handlers
from bot.core.live_index import LiveIndex, Retriever
from bot.core.replies import HELP, TITLES, Reply, Requester
from bot.core.title_choices import AmbiguousTitle
from bot.state import State
from bot.terminal import text_render
from bot.terminal.export_files import save_files
from bot.terminal.line_input import LineInput
from bot.terminal.log_lines import one_line_logs
from retrieval.filters import SearchFilters

PROMPT = "paperscout> "
# The console's commands, in the order /help lists them and Tab offers them.
COMMANDS = ("/find", "/more", "/paper", "/similar", "/author", "/new", "/help", "/quit", "/exit")
# Commands that name a paper by title, so Tab completes titles after them.
TITLED = ("/paper", "/similar")
# Commands /help on Discord lists that need a server or a Discord account, so the console cannot run them.
DISCORD_ONLY = ("/trending", "/subscribe", "/subscriptions", "/unsubscribe", "/config")
INTRO = """Type /find QUERY, /paper TITLE, /similar TITLE, /help, or just ask a question and talk on
("only with code", "the second one", "more"...). /new starts a new conversation; /quit (or Ctrl-D) leaves."""
# Exactly what this console does: Discord's /help speaks of options, buttons and menus it has not.
HELP_TEXT = f"""PaperScout console: machine-learning papers from the corpus, by topic or by question.

  /find QUERY     ranked papers with a snippet, why they matched, and links (the query is taken
                  as typed, e.g. /find implicit differentiation)
  /more           the next page of the last list of papers
  /paper TITLE    one paper in full, by title, arXiv id or link; part of a title lists the
                  titles that match it, numbered: /paper 2 opens the second
  /similar TITLE  the papers nearest to one you know (part of a title lists titles, likewise)
  /author NAME    one author's papers, newest first (/find author:"Marco Cuturi" sinkhorn filters
                  by author; then "only by NAME" or "more by the first author" refine in words)
  /new            start a new conversation
  /help           this message
  /quit           leave (also /exit)

Or just type a question, e.g. "is there work on faster Sinkhorn?", and I quote the sentences that
answer it from the top {PER_ANSWER} papers. Then refine that answer, or /find's results, in words:
"only with code", "since 2024", "not about graphs", "the second one", "similar to the first",
"more", "bibtex 2", "what about optimal transport?", "export" (writes the results as a .bib and a
.ris file into the current directory). A pasted arXiv id or link shows that paper.
{", ".join(DISCORD_ONLY)} work on Discord only."""
KEYS = "Keys: Ctrl-C clears the line or stops a search, Ctrl-D leaves."
EDITING_KEYS = "Up and Down recall earlier lines, Tab completes commands and titles."
# The console's one user; events from it carry no guild.
CONSOLE_USER = Requester(user_id=0, guild_id=None)


def help_text(line_editing: bool) -> str:
    """Return the console's /help, naming the editing keys only where the terminal has them."""
    return f"{HELP_TEXT}\n{KEYS}" + (f" {EDITING_KEYS}" if line_editing else "")


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
    line_editing: bool = False
    # The titles last offered for a title that named no paper, so "/paper 2" can pick one.
    choices: Reply | None = None
    # Where "export" writes its .bib and .ris files; None: the current directory.
    export_dir: Path | None = None

    @property
    def place(self) -> Place:
        """Return where the console's messages are written: its user, in the current conversation."""
        return Place(CONSOLE_USER.user_id, None, channel_id=self.conversation)

    def show(self, reply: Reply, page: int = 0) -> None:
        """Print one page of a reply."""
        self.last, self.page = reply, page
        print(text_render.render(reply, page), file=self.out, flush=True)

    def say(self, text: str) -> None:
        """Print a line of the console's own."""
        print(text, file=self.out, flush=True)

    async def handle(self, line: str) -> bool:
        """Run one line; return False when the session should end."""
        command, _, rest = line.strip().partition(" ")
        rest = rest.strip()
        if command in {"/quit", "/exit"}:
            return False
        try:
            if command == "/help":
                self.show(Reply(HELP, help_text(self.line_editing)))
            elif command == "/find":
                await self._find(rest)
            elif command in TITLED:
                await self._titled(command, rest)
            elif command == "/author":
                await self._find("", SearchFilters(author=rest)) if rest else self.say("Give a name: /author NAME.")
            elif command == "/more":
                if self.last is None or self.page + 1 >= self.last.pages:
                    self.say("No more results.")
                else:
                    self.show(self.last, self.page + 1)
            elif command == "/new":
                self.conversation += 1
                self.say("New conversation: ask me anything.")
            elif command in DISCORD_ONLY:
                self.say(f"{command} works on Discord only: it belongs to a server or a Discord user.")
            elif command.startswith("/"):
                self.say(f"Unknown command {command}. Type /help.")
            else:
                reply = (await self.talk.message(self.place, line.strip())).reply
                self.show(reply)
                for path in save_files(reply, self.export_dir or Path.cwd()):  # "export": its .bib and .ris
                    self.say(f"Wrote {path}")
        except Exception as exc:
            # The same decision as on Discord: the user's fix, or the apology (the cause goes to the log).
            self.say(failure_text(exc, f"console {command}"))
        return True

    async def _find(self, query: str, filters: SearchFilters | None = None) -> None:
        query, filters = with_author(query, filters or SearchFilters())  # author:"Name" in the query
        reply = await self.handlers.find(CONSOLE_USER, query, filters=filters)
        self.show(reply)
        if reply.cards:
            # As on Discord, words typed next ("only with code", "the second one") refine these results.
            ids = [card.paper.id for card in reply.cards]
            await self.talk.remember(self.place, reply.query or query, filters or SearchFilters(), ids, reply.page_size)

    async def _titled(self, command: str, title: str) -> None:
        """Run /paper or /similar; a title matching several papers lists them, numbered to pick from."""
        if not title:
            self.say(f"Give a title: {command} TITLE (or an arXiv id or link).")
            return
        title = self._picked(title)
        try:
            if command == "/paper":
                reply = await self.handlers.paper_or_choices(CONSOLE_USER, title)
            else:
                reply = await self.handlers.similar(CONSOLE_USER, title)
        except AmbiguousTitle as ambiguous:
            reply = ambiguous.reply
        self.show(reply)
        if reply.kind == TITLES:
            # Discord offers a menu to pick from; here the list's numbers are the way to pick.
            self.choices = reply
            tab = " (Tab completes it)" if self.line_editing else ""
            self.say(f"Type {command} and a number from the list, or the whole title{tab}.")

    def _picked(self, typed: str) -> str:
        """Return the id of the paper a number picks from the titles last offered, else what was typed."""
        if self.choices is not None and typed.isdigit():
            for card in self.choices.cards:
                if card.rank == int(typed):
                    return card.paper.id
        return typed

    async def completions(self, typed: str) -> list[str]:
        """Return whole lines completing `typed`: a command name, or a title after /paper or /similar."""
        command, space, rest = typed.partition(" ")
        if not space:
            return [name for name in COMMANDS if name.startswith(command.lower())] if command.startswith("/") else []
        if command == "/author":  # names, most papers first, that start as typed
            return [f"/author {name}" for _, name in await author_choices(self.handlers.index, rest.strip())]
        if command not in TITLED:
            return []
        # Only titles that start with what was typed: the line is replaced by the completion.
        start = rest.lstrip().lower()
        names = [name for name, _ in await self.handlers.complete(start)]
        return [f"{command} {name}" for name in names if name.lower().startswith(start)]


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
    """Answer typed commands with `handlers` (questions and follow-ups with `talk`) until end of input.

    Returns 0 at end of input, /quit or /exit. At a terminal Ctrl-C drops the line being typed (or
    stops the answer being worked out) and prompts again; reading a pipe or file, it ends with 130.
    """
    session = ConsoleSession(handlers, talk, stdout)
    # One event loop for the whole session, run only while a line is answered: while a line is
    # typed, Ctrl-C then reaches input() as KeyboardInterrupt, and while it is answered the runner
    # turns it into a cancelled answer.
    with asyncio.Runner() as runner, one_line_logs():
        lines = LineInput(stdin, stdout, PROMPT, lambda typed: runner.run(session.completions(typed)))
        session.line_editing = lines.editing
        with lines:
            while True:
                line = None
                try:
                    line = lines.read()
                    if line is None:
                        print(file=stdout)
                        return 0
                    if line.strip() and not runner.run(session.handle(line)):
                        return 0
                except KeyboardInterrupt:
                    if not lines.interactive:
                        print(file=stdout, flush=True)
                        return 130
                    # Ctrl-C drops the line being typed, as in a shell, or stops the answer being worked out.
                    session.say("(stopped)" if line is not None else "")
