"""Progress of long work (embedding papers) for whoever watches: a redrawn bar on a terminal, a few plain lines elsewhere."""

from __future__ import annotations

import time
from typing import Callable, TextIO

BAR_WIDTH = 24
# Where a stream that is not a terminal (a log file, a pipe) hears of the work besides its start and end.
MILESTONES = (0.25, 0.5, 0.75)
# A terminal is redrawn at most this often: a carriage return per chunk would flicker on a fast machine.
REDRAW_S = 0.2


def duration_text(seconds: float) -> str:
    """Return a duration as people read it: "45 s", "3 min 05 s", "2 h 10 min"."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class ProgressBar:
    """Report `done` of `total` items under a label, with an estimate of the time left.

    On a terminal the bar is redrawn in place. Anywhere else a carriage return would leave
    one long garbled line in a log, so the stream gets a plain line at the start, at each
    quarter and at the end. With no stream it says nothing.
    """

    def __init__(
        self,
        label: str,
        total: int,
        unit: str,
        stream: TextIO | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label
        self.total = max(0, total)
        self.unit = unit
        self.stream = stream
        self.clock = clock
        self.done = 0
        self._started = clock()
        self._tty = bool(stream is not None and stream.isatty())
        self._drawn_at: float | None = None
        self._drawn_width = 0
        self._milestones = list(MILESTONES)

    def __enter__(self) -> ProgressBar:
        if self._tty:
            self._draw()
        elif self.stream is not None:
            self._line(f"{self.label}: {self.total} {self.unit} to go...")
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.finish(completed=exc_info[0] is None)

    def eta(self) -> float | None:
        """Return the estimated seconds left, or None before anything is done."""
        if not self.done:
            return None
        elapsed = self.clock() - self._started
        return elapsed / self.done * max(0, self.total - self.done)

    def advance(self, count: int = 1) -> None:
        """Count `count` more items done and tell the stream if it is time to."""
        self.done = min(self.total, self.done + count)
        if self.stream is None:
            return
        if self._tty:
            now = self.clock()
            if self._drawn_at is None or now - self._drawn_at >= REDRAW_S or self.done == self.total:
                self._draw()
            return
        share = self.done / self.total if self.total else 1.0
        if self._milestones and share >= self._milestones[0] and self.done < self.total:
            self._milestones = [m for m in self._milestones if share < m]
            self._line(f"{self.label}: {self._count()}, {self._eta_text()}")

    def finish(self, completed: bool = True) -> None:
        """End the report: the bar's line is closed, and the time it all took said."""
        if self.stream is None:
            return
        took = duration_text(self.clock() - self._started)
        ending = f"done in {took}" if completed else "stopped"
        text = f"{self.label}: {self._count()}, {ending}"
        # On a terminal the closing line takes the bar's place.
        self._line(f"\r{text.ljust(self._drawn_width)}" if self._tty else text)
        self.stream = None

    def _count(self) -> str:
        return f"{self.done}/{self.total} {self.unit}"

    def _eta_text(self) -> str:
        left = self.eta()
        return "ETA estimating..." if left is None else f"ETA {duration_text(left)}"

    def _draw(self) -> None:
        assert self.stream is not None
        filled = BAR_WIDTH * self.done // self.total if self.total else BAR_WIDTH
        text = f"{self.label} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {self._count()}  {self._eta_text()}"
        # Spaces over whatever a longer previous line left behind.
        self.stream.write("\r" + text.ljust(self._drawn_width))
        self.stream.flush()
        self._drawn_width = len(text)
        self._drawn_at = self.clock()

    def _line(self, text: str) -> None:
        assert self.stream is not None
        self.stream.write(text + "\n")
        self.stream.flush()
