"""Named crash points for the crash-recovery tests: a real process dies with SIGKILL exactly there.

`PAPERSCOUT_CRASH_AT=name` (or `name:N`, the N-th time the point is reached) makes
`crash_point(name)` kill the process, as a power cut or an OOM kill would. Unset, as in
every normal run, a crash point costs one dictionary look-up.
"""

from __future__ import annotations

import os
import signal

ENV = "PAPERSCOUT_CRASH_AT"
_reached: dict[str, int] = {}


def crash_point(name: str) -> None:
    """Die here with SIGKILL if PAPERSCOUT_CRASH_AT names this point (and this is the N-th time)."""
    wanted = os.environ.get(ENV)
    if not wanted:
        return
    point, _, nth = wanted.partition(":")
    if point != name:
        return
    _reached[name] = _reached.get(name, 0) + 1
    if _reached[name] >= (int(nth) if nth.isdigit() else 1):
        os.kill(os.getpid(), signal.SIGKILL)
