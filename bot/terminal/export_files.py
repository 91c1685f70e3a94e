"""Writing an export reply's .bib and .ris files to disk, for the console's "export"."""

from __future__ import annotations

from pathlib import Path

from bot.core.export import ExportFile, files_of
from bot.core.replies import Reply


def _numbered(name: str, n: int) -> str:
    """Return "stem-n.ext" for n > 1, the name itself for n = 1."""
    if n == 1:
        return name
    stem, dot, ext = name.rpartition(".")
    return f"{stem}-{n}.{ext}" if dot else f"{name}-{n}"


def save_files(reply: Reply, directory: Path) -> list[Path]:
    """Write a reply's files into `directory` and return their paths; [] for a reply without files.

    An export never overwrites a file: when a name is taken (the same search exported twice a
    day), both files get the first number free for both, "-2", "-3"...
    """
    files: tuple[ExportFile, ...] = files_of(reply)
    if not files:
        return []
    directory.mkdir(parents=True, exist_ok=True)
    n = 1
    while any((directory / _numbered(file.name, n)).exists() for file in files):
        n += 1
    paths = []
    for file in files:
        path = directory / _numbered(file.name, n)
        with open(path, "xb") as out:  # "x": never over a file made since the check
            out.write(file.data)
        paths.append(path)
    return paths
