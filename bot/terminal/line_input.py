"""Typed lines for the console: editing, history and Tab completion where the terminal has them."""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Callable, TextIO

# Given the line typed so far, return whole lines that complete it.
Completer = Callable[[str], list[str]]


def _readline() -> ModuleType | None:
    """Return the readline module, or None where Python has none (Windows, some minimal builds)."""
    try:
        import readline
    except ImportError:
        return None
    return readline


class LineInput:
    """Lines typed at `prompt`; at a terminal through readline, so arrows edit and recall earlier lines.

    Use it as a context manager: the completer is installed on entry and the previous one restored on
    exit. Ctrl-C while typing raises KeyboardInterrupt out of `read`; what it means is the caller's call.
    """

    def __init__(self, stdin: TextIO, stdout: TextIO, prompt: str, complete: Completer | None = None) -> None:
        self.stdin, self.stdout, self.prompt, self.complete = stdin, stdout, prompt, complete
        # input() edits lines only on the process's own terminal; anything else (a pipe, a file, a
        # test's StringIO) is read line by line, the prompt still printed so a transcript reads well.
        self.interactive = stdin is sys.stdin and stdout is sys.stdout and _isatty(stdin)
        self._readline = _readline() if self.interactive else None
        self._matches: list[str] = []
        self._saved: tuple[object, str] | None = None

    @property
    def editing(self) -> bool:
        """Return whether typed lines can be edited, recalled and completed (readline is in use)."""
        return self._readline is not None

    def __enter__(self) -> LineInput:
        rl = self._readline
        if rl is not None and self.complete is not None:
            self._saved = (rl.get_completer(), rl.get_completer_delims())
            rl.set_completer(self._completion)
            # No word breaks: the completer sees the whole line, since a title holds spaces.
            rl.set_completer_delims("")
            if "libedit" in (rl.__doc__ or ""):
                rl.parse_and_bind("bind ^I rl_complete")
            else:
                rl.parse_and_bind("tab: complete")
                # "/paper accel" completes to "/paper Accelerating ...".
                rl.parse_and_bind("set completion-ignore-case on")
        return self

    def __exit__(self, *exc: object) -> None:
        rl = self._readline
        if rl is not None and self._saved is not None:
            completer, delims = self._saved
            rl.set_completer(completer)  # type: ignore[arg-type]
            rl.set_completer_delims(delims)
            self._saved = None

    def read(self) -> str | None:
        """Return the next line without its line end, or None at end of input (Ctrl-D)."""
        if self.interactive:
            try:
                return input(self.prompt)
            except EOFError:
                return None
        print(self.prompt, end="", file=self.stdout, flush=True)
        line = self.stdin.readline()
        return line.rstrip("\r\n") if line else None

    def _completion(self, text: str, state: int) -> str | None:
        """readline's completer protocol: called with state 0, 1, 2... until it returns None."""
        if state == 0:
            try:
                self._matches = self.complete(text) if self.complete is not None else []
            except Exception:
                # readline swallows a completer's exception anyway; Tab then just completes nothing.
                self._matches = []
        return self._matches[state] if state < len(self._matches) else None


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
