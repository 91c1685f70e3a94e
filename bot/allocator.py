"""Bound glibc's malloc in the bot process: two arenas, and free pages handed back now and then.

Measured with bench/bot_memory.py (the real `python -m bot` under 5 /find and one mention every
2 s; docs/operating.md, "The bot's own memory"). With glibc's defaults, every thread that
allocates gets an arena of its own (up to 8 per core): the asyncio workers that run searches,
the event writer, torch's and discord.py's threads; each arena keeps what its thread freed, so
the same traffic is held several times over. At 87k papers the anonymous memory grew by 150 MB
under traffic and stayed; with two arenas by 55 MB (RSS after 3 min: 1,330 -> 1,230 MB, the
answers as fast within the runs' noise). `malloc_trim` then gives back the free pages inside
the arenas (a further 30-45 MB).

Tried and left out: a fixed mmap threshold of 128 KiB or 1 MiB (blocks mapped apart and unmapped
when freed) held 60 MB less, but made every search fault its arrays in afresh: hybrid search p50
22.7 -> 48.7 ms (128 KiB) and 29.6 ms (1 MiB) at 87k papers.

Only the composition root calls `bound_allocator`, first thing: an arena, once made, lasts the
process. An operator who tunes glibc themselves (GLIBC_TUNABLES or a MALLOC_* variable) keeps
their settings; on another C library (musl, macOS) nothing happens.
"""

from __future__ import annotations

import ctypes
import os
from dataclasses import dataclass
from typing import Mapping

# mallopt's parameter for the number of arenas, from glibc's <malloc.h>.
M_ARENA_MAX = -8
# Two: the event loop's thread and the searching threads do not queue on one lock.
ARENAS = 2
# Environment variables through which glibc reads its own malloc settings at start.
GLIBC_SETTINGS = ("GLIBC_TUNABLES", "MALLOC_ARENA_MAX", "MALLOC_ARENA_TEST", "MALLOC_MMAP_THRESHOLD_",
                  "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_")


@dataclass(frozen=True)
class Glibc:
    """The process's glibc, for the two calls this module makes."""

    libc: ctypes.CDLL

    def bound_arenas(self, arenas: int) -> bool:
        """Cap the arenas; return whether glibc accepted the value (mallopt returns 1)."""
        return self.libc.mallopt(ctypes.c_int(M_ARENA_MAX), ctypes.c_int(arenas)) == 1

    def trim(self) -> bool:
        """Give free pages back to the system; return whether any were."""
        return self.libc.malloc_trim(ctypes.c_size_t(0)) == 1


def glibc() -> Glibc | None:
    """Return the process's C library if it is glibc, else None."""
    try:
        libc = ctypes.CDLL(None)
    except OSError:
        return None
    if not all(hasattr(libc, name) for name in ("gnu_get_libc_version", "mallopt", "malloc_trim")):
        return None
    return Glibc(libc)


def operator_settings(env: Mapping[str, str] = os.environ) -> list[str]:
    """Return the glibc malloc variables set in `env` (then the bot leaves malloc as configured)."""
    return [name for name in GLIBC_SETTINGS if env.get(name)]


def bound_allocator(arenas: int = ARENAS) -> bool:
    """Cap glibc's arenas at `arenas`; return whether it was done.

    Not done on a C library other than glibc, or when the operator set glibc's own malloc
    variables. Call it before any thread starts: threads that allocated already keep their arenas.
    """
    libc = glibc()
    return libc is not None and not operator_settings() and libc.bound_arenas(arenas)


def release_free_memory() -> bool:
    """Hand the free pages of every arena back to the system (glibc only); return whether any were.

    It takes each arena's lock in turn while it walks it: call it from a worker thread.
    """
    libc = glibc()
    return libc is not None and libc.trim()
