"""The allocator bounds of the bot process: threads share the bounded arenas; an operator's glibc settings win.

Arenas are per process and last it, so each case runs in a fresh interpreter and counts the
arenas glibc reports (malloc_info's <heap> elements) after four threads allocated at once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot.allocator import GLIBC_SETTINGS, operator_settings

ROOT = Path(__file__).resolve().parents[2]
THREADS = 4

# Prints whether the bounds were applied and how many arenas glibc then reports.
COUNT_ARENAS = f"""
import ctypes, json, os, sys, tempfile, threading
from bot.allocator import bound_allocator
applied = bound_allocator(int(sys.argv[1])) if sys.argv[1] != "none" else None
together = threading.Barrier({THREADS})
def allocate():
    kept = [bytearray(4096) for _ in range(64)]  # above Python's small-object limit: from malloc
    together.wait()  # all alive at once, so none can take over an arena another thread left
threads = [threading.Thread(target=allocate) for _ in range({THREADS})]
for t in threads: t.start()
for t in threads: t.join()
libc = ctypes.CDLL(None)
libc.fopen.restype = ctypes.c_void_p
path = os.path.join(tempfile.mkdtemp(), "malloc.xml")
out = libc.fopen(path.encode(), b"w")
libc.malloc_info(0, ctypes.c_void_p(out))
libc.fclose(ctypes.c_void_p(out))
print(json.dumps({{"applied": applied, "arenas": open(path).read().count("<heap nr=")}}))
"""


def count_arenas(arenas: str, **env: str) -> dict:
    """Run the counting script in a fresh interpreter with `env` added (glibc's own variables removed first)."""
    clean = {k: v for k, v in os.environ.items() if k not in GLIBC_SETTINGS}
    done = subprocess.run([sys.executable, "-c", COUNT_ARENAS, arenas], cwd=ROOT, env=clean | env,
                          capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout)


def test_without_bounds_each_thread_gets_an_arena() -> None:
    # The oracle: the count sees the main arena and one per thread.
    assert count_arenas("none") == {"applied": None, "arenas": THREADS + 1}


def test_bounded_threads_share_the_arenas() -> None:
    assert count_arenas("1") == {"applied": True, "arenas": 1}
    assert count_arenas("2") == {"applied": True, "arenas": 2}


def test_an_operators_glibc_settings_are_left_alone() -> None:
    assert count_arenas("1", MALLOC_ARENA_MAX="3") == {"applied": False, "arenas": 3}
    assert count_arenas("1", GLIBC_TUNABLES="glibc.malloc.arena_max=2") == {"applied": False, "arenas": 2}
    assert operator_settings({"MALLOC_ARENA_MAX": "3", "PATH": "/bin"}) == ["MALLOC_ARENA_MAX"]
    assert operator_settings({"MALLOC_ARENA_MAX": ""}) == []

