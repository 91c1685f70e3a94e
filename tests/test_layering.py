"""The house rules of the import graph: data flows one way, and only the front ends import discord.

corpus -> retrieval -> bot state -> bot core -> Discord and terminal front ends; only the
composition roots (bot/__main__.py, bot/cli.py) read settings. Every import counts here,
including ones inside functions and under TYPE_CHECKING: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("corpus", "retrieval", "bot")
MAX_LINES = 350


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))}


MODULES = _modules()


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    if not MODULES[module].name == "__init__.py":
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(module: str) -> set[str]:
    """Return every module name `module` imports (for `from a import b`, `a.b` when that is a module)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, node)
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names if f"{target}.{alias.name}" in MODULES)
    return found


GRAPH = {module: imports_of(module) for module in MODULES}


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _importers(prefixes: tuple[str, ...], target: str) -> list[str]:
    """Return modules under any of `prefixes` that import `target` (or anything below it)."""
    return sorted(
        module
        for module, imported in GRAPH.items()
        if any(_within(module, p) for p in prefixes) and any(_within(name, target) for name in imported)
    )


def test_the_graph_sees_the_packages() -> None:
    # Guards the rules below against passing vacuously after a move.
    assert {"bot.core.handlers", "bot.state", "bot.discord_app.client", "bot.terminal.console", "retrieval.hybrid"} <= set(MODULES)
    assert "discord" in GRAPH["bot.discord_app.client"]
    assert "bot.core.live_index" in GRAPH["bot.core.handlers"]


ROOTS = ("bot.__main__", "bot.cli")


def _is_root(module: str) -> bool:
    return any(_within(module, root) for root in ROOTS)


@pytest.mark.parametrize(
    "prefixes, target",
    [
        # Only the Discord front end (and the composition roots, lazily) import discord.
        (("corpus", "retrieval", "bot.core", "bot.state", "bot.terminal", "bot.settings", "bot.datadir", "bot.services",
          "bot.logging_setup", "bot.startup_errors", "bot.cli"), "discord"),
        (("corpus",), "retrieval"),
        (("corpus",), "bot"),
        (("retrieval",), "bot"),
        (("bot.state",), "bot.core"),
        (("bot.state", "bot.core"), "bot.discord_app"),
        (("bot.state", "bot.core"), "bot.terminal"),
        # Cogs validate, call the core and format: retrieval's constants reach them through the core.
        (("bot.discord_app.cogs",), "retrieval"),
        (("bot.discord_app",), "bot.terminal"),
        (("bot.terminal",), "bot.discord_app"),
        (("corpus", "retrieval", "bot.core", "bot.state", "bot.discord_app", "bot.terminal", "bot.services"), "bot.cli"),
        (("corpus", "retrieval", "bot.core", "bot.state", "bot.discord_app", "bot.terminal", "bot.services"), "bot.__main__"),
    ],
)
def test_no_import_against_the_flow(prefixes: tuple[str, ...], target: str) -> None:
    assert _importers(prefixes, target) == []


def test_only_the_composition_roots_read_settings() -> None:
    readers = [m for m in _importers(("bot", "corpus", "retrieval"), "bot.settings") if not _is_root(m)]
    assert readers == []


def test_no_cog_imports_another_cog() -> None:
    cogs = [m for m in MODULES if m.startswith("bot.discord_app.cogs.")]
    assert cogs
    for cog in cogs:
        assert [name for name in GRAPH[cog] if name in cogs and name != cog] == [], cog


def _cycle() -> list[str] | None:
    """Return one import cycle among the project's modules, or None."""
    edges = defaultdict(set)
    for module, imported in GRAPH.items():
        edges[module] = {name for name in imported if name in MODULES and name != module}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for module in sorted(MODULES):
        if module not in state:
            found = visit(module)
            if found:
                return found
    return None


def test_the_import_graph_has_no_cycle() -> None:
    assert _cycle() is None


def test_the_cycle_finder_finds_a_cycle() -> None:
    # The check above must be able to fail: plant a two-module cycle and look for it.
    saved = {m: set(GRAPH[m]) for m in ("bot.state.db", "bot.state.migrations")}
    try:
        GRAPH["bot.state.migrations"].add("bot.state.db")
        assert _cycle() is not None
    finally:
        GRAPH.update(saved)


def test_modules_are_small_and_none_is_a_grab_bag() -> None:
    every = [p for p in ROOT.rglob("*.py") if ".venv" not in p.parts and "build" not in p.parts]
    assert len(every) > 50
    too_long = {str(p.relative_to(ROOT)): n for p in every if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert too_long == {}
    assert [p for p in every if p.stem in {"utils", "util", "helpers", "misc"}] == []
