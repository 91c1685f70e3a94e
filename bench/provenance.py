"""Which code a benchmark measured: the commit, and whether the working tree matched it.

A table written from uncommitted code names a commit it did not measure, so `paperscout bench`
refuses to write BENCHMARKS.md from a dirty tree (it still prints the table with --no-write).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Checkout:
    """The commit the code ran from (None outside a git checkout) and the paths that differ from it."""

    commit: str | None
    changed: tuple[str, ...]

    @property
    def clean(self) -> bool:
        return self.commit is not None and not self.changed

    def why_not_clean(self) -> str:
        """Return one line saying why a table from this tree would not name what it measured."""
        if self.commit is None:
            return "the code is not a git checkout, so no commit names what was measured"
        shown = ", ".join(self.changed[:5]) + (f" and {len(self.changed) - 5} more" if len(self.changed) > 5 else "")
        return f"the working tree differs from commit {self.commit[:12]} ({shown})"


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def checkout_state(root: Path = CHECKOUT, ignore: Path | None = None) -> Checkout:
    """Return the commit at `root` and its changed or untracked paths, leaving out `ignore` (the table's own file)."""
    head = _git(root, "rev-parse", "HEAD")
    status = _git(root, "status", "--porcelain", "--untracked-files=all")
    if head is None or status is None:
        return Checkout(None, ())
    ignored = None
    if ignore is not None:
        try:
            ignored = ignore.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            ignored = None  # a table written outside the checkout cannot dirty it
    changed = tuple(line[3:] for line in status.splitlines() if line[3:] and line[3:] != ignored)
    return Checkout(head.strip(), changed)
