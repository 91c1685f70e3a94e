"""Settings read from the environment and `.env`; built only in composition roots."""

from __future__ import annotations

import logging
import re
from datetime import time
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.datadir import DataDir

if TYPE_CHECKING:
    from corpus.sources.refresh import SourceConfig

HH_MM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
# Discord ids (snowflakes) in a list setting, separated by commas or spaces: "123, 456".
ID_SEPARATORS = re.compile(r"[\s,]+")


def parse_ids(value: str) -> frozenset[int]:
    """Return the Discord ids in a list setting; raise ValueError naming the first that is not one."""
    ids = set()
    for part in ID_SEPARATORS.split(value.strip().strip("[]")):
        if not part:
            continue
        if not part.isdigit() or int(part) <= 0:
            raise ValueError(f"expected Discord ids (numbers) separated by commas, got {part[:40]!r}")
        ids.add(int(part))
    return frozenset(ids)


class SettingsError(RuntimeError):
    """A missing or malformed setting; the message names the variable."""


class Settings(BaseSettings):
    """Everything PaperScout can be configured with."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    discord_token: SecretStr | None = None
    discord_api_base: str = "https://discord.com/api/v10"
    discord_gateway_url: str = "wss://gateway.discord.gg/"
    discord_dev_guild_id: int | None = None
    paperscout_data_dir: Path = Path("./data")
    # A Chroma server to keep the vectors in (shared by several bot processes); unset: embedded in the data dir.
    chroma_host: str | None = None
    chroma_port: int = Field(default=8000, ge=1, le=65535)
    # Sentence windows: dev hybrid nDCG@10 0.889 with, 0.878 without at 440 papers, for about 3 more
    # texts to embed per paper (1.3 h more at 87k papers on 2 cores); docs/operating.md, "Scaling out".
    paperscout_embed_windows: bool = True
    log_level: str = "INFO"
    rate_limit_count: int = Field(default=5, ge=1)
    rate_limit_seconds: float = Field(default=30.0, gt=0)
    # Fresh-paper sources.
    hf_daily_enabled: bool = True
    hf_daily_base_url: str = "https://huggingface.co"
    arxiv_enabled: bool = True
    arxiv_base_url: str = "https://export.arxiv.org"
    arxiv_query: str = "cat:cs.LG OR cat:cs.CL OR cat:cs.CV"
    arxiv_max_results: int = Field(default=50, ge=1, le=500)
    source_timeout_seconds: float = Field(default=20.0, gt=0)
    # Seconds between two requests to the same feed (arXiv's terms ask for 3).
    hf_daily_spacing_seconds: float = Field(default=1.0, ge=0)
    arxiv_spacing_seconds: float = Field(default=3.0, ge=0)
    # The daily refresh runs at this UTC time (HH:MM), or earlier if a trending post is due first.
    refresh_time_utc: str = "05:00"
    # How often the scheduler wakes to check for due refreshes, posts and deliveries.
    scheduler_tick_seconds: float = Field(default=30.0, gt=0)
    # Who may add a pasted paper to the shared corpus with its Fetch button: these users anywhere
    # (comma-separated user ids), and members with Manage Server in these servers (guild ids).
    # Kept as text, parsed by `owner_ids`/`corpus_admin_guilds`: "123,456" is not JSON.
    bot_owner_ids: str = ""
    corpus_admin_guild_ids: str = ""
    # Fetches a day (the last 24 hours) per member and per server, owners included: enough for a
    # reading group's pastes, too few for a script to fill the shared corpus or subscribers' DMs.
    fetch_daily_limit_per_user: int = Field(default=10, ge=0)
    fetch_daily_limit_per_server: int = Field(default=30, ge=0)

    @field_validator("refresh_time_utc")
    @classmethod
    def _hh_mm(cls, value: str) -> str:
        text = value.strip()
        if not HH_MM.match(text):
            raise ValueError(f"expected a 24-hour time HH:MM, got {value!r}")
        return text

    @field_validator("bot_owner_ids", "corpus_admin_guild_ids")
    @classmethod
    def _ids(cls, value: str) -> str:
        parse_ids(value)
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in logging.getLevelNamesMapping():
            raise ValueError(f"unknown log level {value!r}")
        return level

    @field_validator("discord_token", "discord_dev_guild_id", "chroma_host", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # `DISCORD_TOKEN=` in a copied .env.example means "not configured", not an empty value.
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @property
    def data_dir(self) -> DataDir:
        """Return the directory holding the corpus, its index and the bot's state."""
        server = f"{self.chroma_host.strip()}:{self.chroma_port}" if self.chroma_host else None
        return DataDir(self.paperscout_data_dir, chroma_server=server, embed_windows=self.paperscout_embed_windows)

    @property
    def refresh_time(self) -> time:
        """Return the UTC time of day of the daily refresh."""
        hours, minutes = self.refresh_time_utc.split(":")
        return time(int(hours), int(minutes))

    def source_configs(self) -> tuple[SourceConfig, SourceConfig]:
        """Return how to reach the Hugging Face daily and arXiv feeds."""
        import dataclasses

        from corpus.sources.refresh import DEFAULT_ARXIV, DEFAULT_HF_DAILY

        hf = dataclasses.replace(
            DEFAULT_HF_DAILY, enabled=self.hf_daily_enabled, base_url=self.hf_daily_base_url,
            timeout=self.source_timeout_seconds, spacing=self.hf_daily_spacing_seconds,
        )
        arxiv = dataclasses.replace(
            DEFAULT_ARXIV, enabled=self.arxiv_enabled, base_url=self.arxiv_base_url,
            timeout=self.source_timeout_seconds, spacing=self.arxiv_spacing_seconds,
            query=self.arxiv_query, max_results=self.arxiv_max_results,
        )
        return hf, arxiv

    @property
    def owner_ids(self) -> frozenset[int]:
        """Return the user ids of BOT_OWNER_IDS."""
        return parse_ids(self.bot_owner_ids)

    @property
    def corpus_admin_guilds(self) -> frozenset[int]:
        """Return the guild ids of CORPUS_ADMIN_GUILD_IDS."""
        return parse_ids(self.corpus_admin_guild_ids)

    @property
    def has_token(self) -> bool:
        """Return whether a Discord token is configured."""
        return self.discord_token is not None and bool(self.discord_token.get_secret_value().strip())


def get_settings(**overrides: object) -> Settings:
    """Read settings once, turning validation errors into one line naming the variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first.get("loc") else "settings"
        raise SettingsError(f"invalid setting {name}: {first['msg']}") from None
