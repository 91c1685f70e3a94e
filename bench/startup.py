"""Cold start as users meet it: a fresh process opens the index, then answers its first query.

Measured twice over, three runs each: with the page cache as the benchmark left it (every
index file was just written and read, so it is warm), and with every file of the data
directory evicted from the page cache first (`posix_fadvise(DONTNEED)` after a sync), as
after a reboot or on a busy host. The model's weights and Python's own files are not
evicted: they are shared with every other process on the machine. The first query is
reported apart from the opening, because it also loads the embedding model.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

from bench.measure import python_child, run_child

RUNS = 3


def data_files(root: Path) -> list[Path]:
    """Return every regular file under `root`."""
    return [p for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()]


def resident_bytes(files: list[Path]) -> int | None:
    """Return how many bytes of `files` are in the page cache (util-linux `fincore`), or None without it."""
    if not files or shutil.which("fincore") is None:
        return None
    done = subprocess.run(["fincore", "--bytes", "--raw", "--noheadings", "--output", "RES", *map(str, files)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        return None
    return sum(int(line) for line in done.stdout.split() if line.isdigit())


def evict(root: Path) -> dict:
    """Drop every file under `root` from the page cache; return their size and what stayed resident."""
    os.sync()  # dirty pages cannot be dropped
    files = data_files(root)
    for path in files:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
    return {"bytes": sum(p.stat().st_size for p in files), "resident_after": resident_bytes(files)}


def start_once(data_root: Path, query: str, windows: bool, env: dict[str, str]) -> dict:
    """Run one fresh process that opens the index and answers `query`; return its timings and memory."""
    args = python_child("bench.probes", "start", str(data_root), query, *([] if windows else ["--no-windows"]))
    spawned = time.time()
    run = run_child(args, env)
    found = run.last_json()
    return {"ready_s": found["ready_at"] - spawned, "open_s": found["open_s"], "first_query_ms": found["first_query_s"] * 1000,
            "next_query_ms": found["next_query_s"] * 1000, "peak_rss_mb": run.peak_rss_mb}


def cold_starts(data_root: Path, queries: list[str], windows: bool, env: dict[str, str]) -> dict:
    """Return the cold-start figures: each a list of RUNS values, warm page cache then evicted."""
    out: dict = {}
    for mode in ("warm", "evicted"):
        runs = []
        for i in range(RUNS):
            if mode == "evicted":
                dropped = evict(data_root)
                out["evicted_mb"] = round(dropped["bytes"] / 2**20)
                if dropped["resident_after"] is not None:
                    out.setdefault("evicted_resident_after_mb", []).append(round(dropped["resident_after"] / 2**20, 1))
            runs.append(start_once(data_root, queries[i % len(queries)], windows, env))
        out[f"cold_{mode}_ready_s"] = [round(r["ready_s"], 2) for r in runs]
        out[f"cold_{mode}_open_s"] = [round(r["open_s"], 2) for r in runs]
        out[f"cold_{mode}_first_query_ms"] = [round(r["first_query_ms"]) for r in runs]
        out[f"cold_{mode}_to_answer_s"] = [round(r["ready_s"] + r["first_query_ms"] / 1000, 2) for r in runs]
        out[f"cold_{mode}_next_query_ms"] = [round(r["next_query_ms"], 1) for r in runs]
        out[f"cold_{mode}_peak_rss_mb"] = [round(r["peak_rss_mb"]) for r in runs]
    return out
