"""Shared fixtures: the real encoder and one real index over the shipped corpus per session."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def encoder():
    """The real MiniLM encoder, loaded once."""
    from retrieval.encoder import MiniLMEncoder

    return MiniLMEncoder()


@pytest.fixture(scope="session")
def shipped_data_dir(tmp_path_factory, encoder):
    """A data dir holding the shipped corpus, fully embedded (about a minute, once)."""
    from bot.datadir import DataDir
    from bot.services import open_services

    data_dir = tmp_path_factory.mktemp("data")
    open_services(DataDir(data_dir), encoder=encoder)
    return data_dir


@pytest.fixture(scope="session")
def shipped_services(shipped_data_dir, encoder):
    """Services (store, retriever) over the shipped corpus; treat as read-only."""
    from bot.datadir import DataDir
    from bot.services import open_services

    return open_services(DataDir(shipped_data_dir), encoder=encoder)
