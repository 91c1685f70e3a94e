"""The embedding progress report: a redrawn bar with count and ETA on a terminal, a few plain lines elsewhere."""

from __future__ import annotations

import io

from retrieval.progress import ProgressBar, duration_text


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


class Clock:
    """A clock a test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _run(stream: io.StringIO, total: int = 440, step: int = 32, seconds_per_step: float = 4.0) -> None:
    clock = Clock()
    with ProgressBar("Embedding papers", total, "papers", stream, clock=clock) as bar:
        for _ in range(0, total, step):
            clock.now += seconds_per_step
            bar.advance(step)


def test_a_terminal_gets_a_labelled_bar_with_count_and_eta() -> None:
    screen = Terminal()
    _run(screen)
    text = screen.getvalue()
    # Redrawn in place: carriage returns, and one line in all once it is done.
    assert "\r" in text and text.count("\n") == 1
    redraws = [part for part in text.split("\r") if part]
    assert redraws[0].startswith("Embedding papers [") and "0/440 papers" in redraws[0]
    # After 32 of 440 papers in 4 s, 408 are left at 8 papers a second: 51 s.
    assert any("32/440 papers" in r and "ETA 51 s" in r for r in redraws)
    assert redraws[-1].strip() == "Embedding papers: 440/440 papers, done in 56 s"


def test_a_log_gets_a_few_plain_lines_and_no_carriage_return() -> None:
    log = io.StringIO()
    _run(log, total=4400, step=32, seconds_per_step=1.0)
    lines = log.getvalue().splitlines()
    assert "\r" not in log.getvalue()
    assert lines[0] == "Embedding papers: 4400 papers to go..."
    # The start, each quarter, the end: 138 chunks of work make five lines.
    assert len(lines) == 5
    assert lines[1].startswith("Embedding papers: 1120/4400 papers, ETA ")
    assert lines[-1] == "Embedding papers: 4400/4400 papers, done in 2 min 18 s"


def test_no_stream_says_nothing_and_an_interruption_says_stopped() -> None:
    quiet = ProgressBar("Embedding papers", 10, "papers", None)
    with quiet:
        quiet.advance(10)
    log = io.StringIO()
    try:
        with ProgressBar("Embedding papers", 10, "papers", log) as bar:
            bar.advance(3)
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        pass
    assert log.getvalue().splitlines()[-1] == "Embedding papers: 3/10 papers, stopped"


def test_durations_read_as_people_say_them() -> None:
    assert duration_text(0.4) == "0 s"
    assert duration_text(45) == "45 s"
    assert duration_text(185) == "3 min 05 s"
    assert duration_text(7800) == "2 h 10 min"
