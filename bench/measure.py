"""Timing and memory measurements the benchmark shares: percentiles, and child processes' wall time and peak RSS."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np


def percentile_ms(samples_s: Sequence[float], q: float) -> float:
    """Return the q-th percentile of durations in seconds, in milliseconds."""
    return float(np.percentile(np.asarray(samples_s) * 1000.0, q)) if samples_s else float("nan")


def timed(fn: Callable[[], object]) -> float:
    """Return how long one call of `fn` takes, in seconds."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _hwm_mb(status: Path) -> float:
    """Return VmHWM (peak RSS of the process's own memory, reset by exec) from a /proc status file, in MB."""
    for line in status.read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    return 0.0


def own_peak_rss_mb() -> float:
    """Return this process's peak resident memory so far, in MB.

    Not getrusage's ru_maxrss: on Linux a child inherits its parent's at fork, so a probe
    started by a benchmark that holds a model would report the benchmark's memory.
    """
    return _hwm_mb(Path("/proc/self/status"))


@dataclass(frozen=True)
class ChildRun:
    """One child process: its wall time, peak RSS, exit status and output."""

    wall_s: float
    peak_rss_mb: float
    returncode: int
    stdout: str
    stderr: str

    def last_json(self) -> dict:
        """Return the JSON object the child printed last (the probes print one line of JSON)."""
        for line in reversed(self.stdout.strip().splitlines()):
            if line.startswith("{"):
                return json.loads(line)
        raise RuntimeError(f"the child printed no result (exit {self.returncode}): {self.stderr.strip()[-500:]}")


def run_child(args: Sequence[str], env: dict[str, str] | None = None, timeout: float = 3600, cwd: Path | None = None) -> ChildRun:
    """Run a command to completion; measure its wall time from spawn to exit and its own peak RSS.

    The peak is the child's VmHWM, read every 20 ms while it runs (a high-water mark, so only
    growth in its last 20 ms could be missed). The child imports this checkout's code (own_code).
    """
    start = time.perf_counter()
    proc = subprocess.Popen(
        list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**own_code(dict(os.environ)), **(env or {})}, cwd=cwd,
    )
    peak = [0.0]

    def watch() -> None:
        status = Path(f"/proc/{proc.pid}/status")
        while proc.poll() is None:
            with contextlib.suppress(OSError, ValueError):
                peak[0] = max(peak[0], _hwm_mb(status))
            time.sleep(0.02)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    wall = time.perf_counter() - start
    watcher.join()
    return ChildRun(wall, peak[0], proc.returncode, out, err)


# The checkout the bench runs from (bench/..): its `python -m` children must import this code too.
CHECKOUT = Path(__file__).resolve().parents[1]


def own_code(env: dict[str, str]) -> dict[str, str]:
    """Return `env` with this checkout first on PYTHONPATH: a child run elsewhere (cwd: a scratch dir) must not
    import another clone's code through an editable install made there (a bench run timed such a bot once)."""
    rest = env.get("PYTHONPATH")
    return env | {"PYTHONPATH": str(CHECKOUT) + (os.pathsep + rest if rest else "")}


def python_child(module: str, *args: str) -> list[str]:
    """Return the command line that runs `python -m module args...` with this interpreter."""
    return [sys.executable, "-m", module, *args]
