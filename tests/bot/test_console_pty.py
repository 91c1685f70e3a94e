"""`paperscout console` in a real pseudo-terminal: typed keys, Ctrl-C, Ctrl-D, exit codes, what is printed.

Each test starts the installed command on the slave side of a pty over a copy of the shipped
index and types on the master side, as a person at a terminal would. Waits are generous
(the first answer may need a while on a loaded machine) and only bound how long a failure
takes to show; nothing asserts how fast anything is.
"""

from __future__ import annotations

import errno
import os
import re
import select
import shutil
import signal
import struct
import sys
import time
from pathlib import Path

import pytest

pty = pytest.importorskip("pty")
fcntl = pytest.importorskip("fcntl")
termios = pytest.importorskip("termios")

PROMPT = "paperscout> "
# Bounds on a wait, not expectations: loading torch and the index, and one answer, on two busy cores.
START_WAIT = 600.0
ANSWER_WAIT = 300.0
ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]|[\x07\x08]")
SINKHORN = "Accelerating Sinkhorn Algorithm with Sparse Newton Iterations"


# The `paperscout` command in a Python that cannot import readline, as on a build without it.
NO_READLINE = "import sys; sys.modules['readline'] = None; from bot.cli import main; sys.exit(main())"


def _command(argument: str, readline: bool) -> list[str]:
    script = Path(sys.executable).with_name("paperscout")
    if script.exists() and readline:
        return [str(script), argument]
    code = NO_READLINE if not readline else "import sys; from bot.cli import main; sys.exit(main())"
    return [sys.executable, "-c", code, argument]


class Terminal:
    """One `paperscout` process whose terminal is a pty; the test holds the keyboard and the screen."""

    def __init__(self, data_dir: Path, cwd: Path, argument: str = "console", readline: bool = True) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "CHROMA_", "PAPERSCOUT_"))}
        env.update(PAPERSCOUT_DATA_DIR=str(data_dir), HF_HUB_OFFLINE="1", TERM="xterm")
        argv = _command(argument, readline)
        pid, fd = pty.fork()
        if pid == 0:  # the child: becomes paperscout at once
            try:
                # Wide, so readline never scrolls a typed line sideways.
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
                os.chdir(cwd)  # away from any developer's .env
                # A shell starts a program with Ctrl-C at its default; a test run in the background
                # (CI, `cmd &`) may have it ignored, and an ignored SIGINT survives exec.
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                os.execve(argv[0], argv, env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.raw = b""
        self.status: int | None = None

    @property
    def screen(self) -> str:
        """Return everything printed so far, without terminal control sequences and carriage returns."""
        return ESCAPES.sub("", self.raw.decode("utf-8", errors="replace")).replace("\r", "")

    def _pump(self, seconds: float) -> bool:
        """Read what is there within `seconds`; return False once the process closed its terminal."""
        ready, _, _ = select.select([self.fd], [], [], seconds)
        if not ready:
            return True
        try:
            data = os.read(self.fd, 65536)
        except OSError as exc:
            if exc.errno == errno.EIO:  # Linux: the slave side is closed
                return False
            raise
        self.raw += data
        return bool(data)

    def wait_for(self, condition, what: str, timeout: float = ANSWER_WAIT) -> str:
        """Read until `condition(screen)` holds; fail with the screen if it never does."""
        deadline = time.monotonic() + timeout
        while not condition(self.screen):
            if time.monotonic() > deadline or not self._pump(1.0):
                if condition(self.screen):
                    break
                pytest.fail(f"waited for {what}; the terminal shows:\n{self.screen[-3000:]}")
        return self.screen

    def prompts(self) -> int:
        """Return how many prompts were printed so far."""
        return self.screen.count(PROMPT)

    def wait_prompt(self, after: int, timeout: float = ANSWER_WAIT) -> str:
        """Wait for the prompt number `after + 1`."""
        return self.wait_for(lambda s: s.count(PROMPT) > after, f"prompt {after + 1}", timeout)

    def wait_until_idle(self, timeout: float = ANSWER_WAIT) -> None:
        """Wait until the console sleeps waiting for the next key, as it does when a person presses one.

        CPython's readline looks at signals only when one interrupts its wait for a key: a Ctrl-C
        landing in the microseconds between echoing one key and waiting for the next is seen at the
        next key. A person cannot hit that window; a test typing right after an echo can.
        """
        stat, wchan = Path(f"/proc/{self.pid}/stat"), Path(f"/proc/{self.pid}/wchan")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                state = stat.read_text().rpartition(")")[2].split()[0]
                waiting = wchan.read_text()
            except OSError:
                break
            if waiting in ("", "0"):
                break  # the kernel does not say where the process sleeps
            # Asleep, and not on a lock (the GIL): in the terminal read, readline's select or the loop's epoll.
            if state == "S" and "futex" not in waiting:
                return
            self._pump(0.05)
        time.sleep(1.0)  # no /proc to ask: long enough for any machine to get back to waiting

    def type(self, keys: str) -> None:
        """Type `keys` (\\r is Enter, \\x03 Ctrl-C, \\x04 Ctrl-D)."""
        os.write(self.fd, keys.encode())

    def type_then_cancel(self, keys: str) -> None:
        """Type `keys` without Enter, press Ctrl-C, and wait for the fresh prompt."""
        seen = self.prompts()
        self.type(keys)
        # Ctrl-C once the keys are echoed (a terminal drops keys it has not yet delivered) and the
        # console waits for more.
        self.wait_for(lambda s: s.endswith(keys), "the typed keys")
        self.wait_until_idle()
        self.type("\x03")
        self.wait_prompt(seen)

    def enter(self, line: str, timeout: float = ANSWER_WAIT) -> str:
        """Type a line and Enter, and return what it printed before the next prompt."""
        seen, start = self.prompts(), len(self.screen)
        self.type(line + "\r")
        return self.wait_prompt(seen, timeout)[start:]

    def exit_code(self, timeout: float = ANSWER_WAIT) -> int:
        """Read to the end, then return the process's exit status."""
        deadline = time.monotonic() + timeout
        while self.status is None:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                self.status = os.waitstatus_to_exitcode(status)
                break
            if time.monotonic() > deadline:
                self.close()
                pytest.fail(f"the console did not exit; the terminal shows:\n{self.screen[-3000:]}")
            if not self._pump(0.5):
                time.sleep(0.1)
        while self._pump(0.1):
            pass
        return self.status

    def close(self) -> None:
        """End the process if it still runs and release the pty."""
        if self.status is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
                self.status = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
            except ProcessLookupError:
                pass
        os.close(self.fd)


@pytest.fixture(scope="module")
def data_copy(shipped_data_dir, tmp_path_factory) -> Path:
    """A copy of the session's indexed data dir, so the console's start never embeds the corpus again."""
    target = tmp_path_factory.mktemp("console-pty") / "data"
    shutil.copytree(shipped_data_dir, target)
    return target


@pytest.fixture
def console(data_copy, tmp_path):
    """Start `paperscout <argument>` in a pty and wait for its first prompt."""
    started: list[Terminal] = []

    def start(argument: str = "console", readline: bool = True) -> Terminal:
        term = Terminal(data_copy, tmp_path, argument, readline)
        started.append(term)
        term.wait_prompt(0, START_WAIT)
        return term

    yield start
    for term in started:
        term.close()


def test_a_query_answers_and_ctrl_d_exits_0_with_no_loading_noise_after_the_prompt(console) -> None:
    term = console()
    before, _, _ = term.screen.partition(PROMPT)
    assert "Loading the embedding model...\n" in before and "PaperScout console: 440 papers." in before

    cards = term.enter("/find implicit differentiation")
    assert "1. Efficient and Modular Implicit Differentiation" in cards
    answer = term.enter("is there work on faster sinkhorn?")
    assert "> \u201c" in answer and "[1]" in answer and SINKHORN in answer

    term.type("\x04")  # Ctrl-D on an empty line
    assert term.exit_code() == 0
    after = term.screen.partition(PROMPT)[2]
    for noise in ("Loading", "weights", "%|", "it/s", "Embedding", "Traceback", "Warning:"):
        assert noise not in after, noise


def test_ctrl_c_drops_the_half_typed_line_and_the_console_goes_on(console) -> None:
    term = console()
    term.type_then_cancel("/find sparse newton")

    cards = term.enter("/find implicit differentiation")
    assert "1. Efficient and Modular Implicit Differentiation" in cards
    assert "Papers for \u201csparse newton\u201d" not in term.screen  # the dropped line was never searched

    term.type("\x04")
    assert term.exit_code() == 0


def test_quit_ends_paperscout_run_with_status_0(console) -> None:
    """`make run` without a token is `paperscout run`: /quit must leave make nothing to complain about."""
    term = console("run")
    assert "No DISCORD_TOKEN configured: opening the console" in term.screen
    term.type("/quit\r")
    assert term.exit_code() == 0


def test_help_shows_the_console_syntax_only(console) -> None:
    term = console()
    shown = term.enter("/help")
    for syntax in ("/find QUERY", "/more", "/paper TITLE", "/similar TITLE", "/new", "/quit", "Ctrl-C", "Ctrl-D",
                   "Tab completes commands and titles"):
        assert syntax in shown, syntax
    for discord_only in ("count:", "private:", "has_code:", "\u25c0", "menus", "@PaperScout"):
        assert discord_only not in shown, discord_only
    term.type("/quit\r")
    assert term.exit_code() == 0


def test_paper_offers_the_titles_a_partial_title_matches_and_tab_completes_one(console) -> None:
    term = console()
    listed = term.enter("/paper sinkhorn")
    assert "No paper is titled \u201csinkhorn\u201d" in listed and f"\n1. {SINKHORN}" in listed
    assert "I don't know a paper" not in listed and "Tab completes it" in listed
    picked = term.enter("/paper 1")
    assert f"\n{SINKHORN}\n" in picked and "entropic regularization and the Sinkhorn algorithm" in " ".join(picked.split())

    # Tab turns the start of a title into the whole title; Enter then opens the paper in full.
    card = term.enter("/paper accelerating sinkhorn\t")
    assert f"\n{SINKHORN}\n" in card and "No paper is titled" not in card
    assert "entropic regularization and the Sinkhorn algorithm" in " ".join(card.split())  # the whole abstract
    term.type("/quit\r")
    assert term.exit_code() == 0


def test_without_readline_the_console_still_edits_lines_the_terminals_way(console) -> None:
    """No readline module: the terminal's own line editing, and Ctrl-C and Ctrl-D mean the same."""
    term = console(readline=False)
    term.type_then_cancel("/find sparse newton")

    shown = term.enter("/help")
    assert "/paper TITLE" in shown and "Ctrl-C" in shown
    assert "Tab completes" not in shown  # no readline, no completion: /help does not promise it
    cards = term.enter("/find implicit differentiation")
    assert "1. Efficient and Modular Implicit Differentiation" in cards
    assert "Papers for \u201csparse newton\u201d" not in term.screen

    term.type("\x04")
    assert term.exit_code() == 0
