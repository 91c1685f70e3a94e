"""The bot's state in one SQLite file: server settings, the post ledger, engagement events, subscriptions.

Synchronous (sqlite3); the bot calls it through asyncio.to_thread. One connection is shared
by threads behind a lock, every write runs in one transaction, and the schema is created
and migrated at open time by ordered migrations counted in `PRAGMA user_version`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from bot.events import EngagementEvent

log = logging.getLogger(__name__)

STATE_FILE = "state.sqlite3"
EVENT_RETENTION = timedelta(days=90)

# Each entry migrates the schema from version i to i + 1; never edit a shipped entry, append.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE guild_settings (
            guild_id INTEGER PRIMARY KEY,
            channel_id INTEGER,
            post_time TEXT,
            timezone TEXT,
            enabled INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
            updated_at TEXT NOT NULL
        )""",
        """CREATE TABLE post_ledger (
            guild_id INTEGER NOT NULL,
            local_date TEXT NOT NULL,
            channel_id INTEGER NOT NULL,
            message_id INTEGER,
            nonce TEXT NOT NULL,
            status TEXT NOT NULL,
            paper_ids TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (guild_id, local_date)
        )""",
        """CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            ts TEXT NOT NULL,
            guild_id INTEGER,
            user_id INTEGER NOT NULL,
            kind TEXT NOT NULL,
            paper_ids TEXT NOT NULL,
            query TEXT
        )""",
        "CREATE INDEX events_guild_ts ON events (guild_id, ts)",
        "CREATE INDEX events_ts ON events (ts)",
        """CREATE TABLE subscriptions (
            id INTEGER PRIMARY KEY,
            guild_id INTEGER,
            channel_id INTEGER,
            user_id INTEGER NOT NULL,
            topic TEXT NOT NULL,
            paused INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
            created_at TEXT NOT NULL
        )""",
        "CREATE INDEX subscriptions_guild ON subscriptions (guild_id)",
    ),
    (
        # 👍 button votes on trending cards: one per user, post and paper, so clicking twice counts once.
        """CREATE TABLE votes (
            message_id INTEGER NOT NULL,
            paper_id TEXT NOT NULL,
            user_id INTEGER NOT NULL,
            guild_id INTEGER,
            ts TEXT NOT NULL,
            PRIMARY KEY (message_id, paper_id, user_id)
        )""",
        "CREATE INDEX votes_guild_ts ON votes (guild_id, ts)",
        # 👍/🔥 reactions on a trending post; the post's ledger entry says which papers they count for.
        """CREATE TABLE reactions (
            message_id INTEGER NOT NULL,
            user_id INTEGER NOT NULL,
            emoji TEXT NOT NULL,
            guild_id INTEGER,
            ts TEXT NOT NULL,
            PRIMARY KEY (message_id, user_id, emoji)
        )""",
        "CREATE INDEX reactions_guild_ts ON reactions (guild_id, ts)",
        "CREATE INDEX post_ledger_message ON post_ledger (message_id)",
        # Which case the post's header announced (trending, a fallback), so a resend after a crash says the same.
        "ALTER TABLE post_ledger ADD COLUMN mode TEXT NOT NULL DEFAULT 'trending'",
        # Which papers each subscription was sent, so a paper goes to a subscriber once.
        """CREATE TABLE deliveries (
            subscription_id INTEGER NOT NULL,
            paper_id TEXT NOT NULL,
            ts TEXT NOT NULL,
            PRIMARY KEY (subscription_id, paper_id)
        )""",
        # Small facts that must survive a restart, e.g. the UTC day of the last fresh-paper refresh.
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


class StateError(RuntimeError):
    """The state file cannot be opened or read; the message names the file and what to do."""


def utc_iso(moment: datetime) -> str:
    """Return `moment` in UTC as a fixed-width ISO string, so text order is time order."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def _now() -> str:
    return utc_iso(datetime.now(timezone.utc))


def _ids_json(paper_ids: Iterable[str]) -> str:
    return json.dumps(list(paper_ids))


def _where(*conditions: tuple[str, object | None]) -> tuple[str, list[object]]:
    """Return a WHERE clause of the conditions whose value is not None, and its parameters."""
    used = [(clause, value) for clause, value in conditions if value is not None]
    if not used:
        return "", []
    return " WHERE " + " AND ".join(clause for clause, _ in used), [value for _, value in used]


_POST_COLUMNS = "guild_id, local_date, channel_id, message_id, nonce, status, paper_ids, created_at, mode"


def _ids(text: str) -> tuple[str, ...]:
    return tuple(json.loads(text))


@dataclass(frozen=True)
class GuildSettings:
    """One server's trending settings; `enabled` is False after `/config trending off`."""

    guild_id: int
    channel_id: int | None
    post_time: str | None
    timezone: str | None
    enabled: bool
    updated_at: str


@dataclass(frozen=True)
class PostRecord:
    """One daily post of a server, from intent ("pending") to "sent" (or "skipped")."""

    guild_id: int
    local_date: str
    channel_id: int
    message_id: int | None
    nonce: str
    status: str
    paper_ids: tuple[str, ...]
    created_at: str
    mode: str = "trending"


@dataclass(frozen=True)
class StoredEvent:
    """An engagement event as stored."""

    id: int
    ts: str
    guild_id: int | None
    user_id: int
    kind: str
    paper_ids: tuple[str, ...]
    query: str | None


@dataclass(frozen=True)
class Subscription:
    """A topic subscription: into a server channel, or by DM when `guild_id` is None."""

    id: int
    guild_id: int | None
    channel_id: int | None
    user_id: int
    topic: str
    paused: bool
    created_at: str


class StateStore:
    """PaperScout's state over one SQLite file in WAL mode."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self._conn = self._open()

    @classmethod
    def in_dir(cls, data_dir: Path) -> StateStore:
        """Open (creating if needed) the state file in a data directory."""
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        return cls(Path(data_dir) / STATE_FILE)

    # ------------------------------------------------------------------ opening

    def _fail(self, reason: str) -> StateError:
        return StateError(
            f"cannot use the state file {self.path}: {reason}. It was left untouched; "
            "restore it from a backup or move it away to start with empty state."
        )

    def _open(self) -> sqlite3.Connection:
        if self.path.exists() and self.path.is_dir():
            raise self._fail("it is a directory")
        try:
            # isolation_level=None: we issue BEGIN/COMMIT ourselves, so each write is one transaction.
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=10)
        except sqlite3.Error as exc:
            raise self._fail(str(exc)) from exc
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise self._fail(f"SQLite integrity check failed ({check})")
            if version > SCHEMA_VERSION:
                raise self._fail(
                    f"its schema version {version} is newer than this PaperScout knows ({SCHEMA_VERSION})"
                )
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                log.warning("SQLite refused WAL mode for %s (journal mode %s)", self.path, mode)
            conn.execute("PRAGMA synchronous = NORMAL")
            self._migrate(conn, version)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise self._fail(str(exc)) from exc
        except StateError:
            conn.close()
            raise
        return conn

    def _migrate(self, conn: sqlite3.Connection, version: int) -> None:
        for target in range(version + 1, SCHEMA_VERSION + 1):
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in MIGRATIONS[target - 1]:
                    conn.execute(statement)
                # PRAGMA user_version is transactional, so a failed migration leaves the old version.
                conn.execute(f"PRAGMA user_version = {target}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            log.info("state schema of %s migrated to version %d", self.path, target)

    @property
    def schema_version(self) -> int:
        """Return the schema version of the open file."""
        with self._lock:
            return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        """Close the connection (checkpointing the WAL)."""
        with self._lock:
            self._conn.close()

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """Run a block of writes as one transaction: all of it or nothing."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _read(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    # --------------------------------------------------------------- settings

    def guild_settings(self, guild_id: int) -> GuildSettings | None:
        """Return a server's settings, or None if it never configured anything."""
        rows = self._read(
            "SELECT guild_id, channel_id, post_time, timezone, enabled, updated_at FROM guild_settings WHERE guild_id = ?",
            (guild_id,),
        )
        return _settings(rows[0]) if rows else None

    def enabled_guild_settings(self) -> list[GuildSettings]:
        """Return the settings of every server with trending on."""
        rows = self._read(
            "SELECT guild_id, channel_id, post_time, timezone, enabled, updated_at FROM guild_settings "
            "WHERE enabled = 1 ORDER BY guild_id"
        )
        return [_settings(row) for row in rows]

    def set_trending(self, guild_id: int, channel_id: int, post_time: str, tz: str) -> GuildSettings:
        """Turn trending on for a server with its channel, local time and timezone."""
        now = _now()
        with self._write() as conn:
            conn.execute(
                "INSERT INTO guild_settings (guild_id, channel_id, post_time, timezone, enabled, updated_at) "
                "VALUES (?, ?, ?, ?, 1, ?) ON CONFLICT (guild_id) DO UPDATE SET channel_id = excluded.channel_id, "
                "post_time = excluded.post_time, timezone = excluded.timezone, enabled = 1, updated_at = excluded.updated_at",
                (guild_id, channel_id, post_time, tz, now),
            )
        return GuildSettings(guild_id, channel_id, post_time, tz, True, now)

    def disable_trending(self, guild_id: int) -> bool:
        """Turn trending off, keeping the channel and time; return whether it was on."""
        with self._write() as conn:
            cursor = conn.execute(
                "UPDATE guild_settings SET enabled = 0, updated_at = ? WHERE guild_id = ? AND enabled = 1",
                (_now(), guild_id),
            )
            return cursor.rowcount > 0

    # ------------------------------------------------------------------ ledger

    def record_post_intent(
        self,
        guild_id: int,
        local_date: str,
        channel_id: int,
        nonce: str,
        paper_ids: Sequence[str],
        mode: str = "trending",
        status: str = "pending",
    ) -> PostRecord:
        """Record that a post is about to be sent (status "pending"); one per server and local day.

        A day with nothing to post is recorded the same way with status "skipped".
        """
        now = _now()
        with self._write() as conn:
            conn.execute(
                "INSERT INTO post_ledger (guild_id, local_date, channel_id, message_id, nonce, status, paper_ids, created_at, mode) "
                "VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?)",
                (guild_id, local_date, channel_id, nonce, status, _ids_json(paper_ids), now, mode),
            )
        return PostRecord(guild_id, local_date, channel_id, None, nonce, status, tuple(paper_ids), now, mode)

    def mark_post(self, guild_id: int, local_date: str, status: str, message_id: int | None = None) -> None:
        """Set a ledger entry's status (and the message id once sent)."""
        with self._write() as conn:
            conn.execute(
                "UPDATE post_ledger SET status = ?, message_id = COALESCE(?, message_id) "
                "WHERE guild_id = ? AND local_date = ?",
                (status, message_id, guild_id, local_date),
            )

    def post(self, guild_id: int, local_date: str) -> PostRecord | None:
        """Return a server's ledger entry for a local day."""
        rows = self._read(
            f"SELECT {_POST_COLUMNS} FROM post_ledger WHERE guild_id = ? AND local_date = ?",
            (guild_id, local_date),
        )
        return _post(rows[0]) if rows else None

    def posts_since(self, guild_id: int, local_date: str) -> list[PostRecord]:
        """Return a server's ledger entries from a local day on, oldest first."""
        rows = self._read(
            f"SELECT {_POST_COLUMNS} FROM post_ledger WHERE guild_id = ? AND local_date >= ? ORDER BY local_date",
            (guild_id, local_date),
        )
        return [_post(row) for row in rows]

    # ------------------------------------------------------------------ events

    def add_events(self, events: Iterable[EngagementEvent]) -> int:
        """Store events in one transaction; return how many."""
        rows = [
            (utc_iso(datetime.fromisoformat(e.at)), e.guild_id, e.user_id, e.kind, _ids_json(e.paper_ids), e.query)
            for e in events
        ]
        with self._write() as conn:
            conn.executemany(
                "INSERT INTO events (ts, guild_id, user_id, kind, paper_ids, query) VALUES (?, ?, ?, ?, ?, ?)", rows
            )
        return len(rows)

    def add_event(self, event: EngagementEvent) -> None:
        """Store one event."""
        self.add_events([event])

    def events(self, guild_id: int | None = None, since: datetime | None = None) -> list[StoredEvent]:
        """Return stored events, oldest first, of one server (or all) and from a time on."""
        where, params = _where(("guild_id = ?", guild_id), ("ts >= ?", utc_iso(since) if since is not None else None))
        rows = self._read(f"SELECT id, ts, guild_id, user_id, kind, paper_ids, query FROM events{where} ORDER BY ts, id", params)
        return [StoredEvent(r[0], r[1], r[2], r[3], r[4], _ids(r[5]), r[6]) for r in rows]

    def prune(self, now: datetime) -> int:
        """Delete events, votes and reactions older than the 90-day retention; return how many went."""
        cutoff = utc_iso(now - EVENT_RETENTION)
        with self._write() as conn:
            return sum(conn.execute(f"DELETE FROM {table} WHERE ts < ?", (cutoff,)).rowcount for table in ("events", "votes", "reactions"))

    # ------------------------------------------------------- votes and reactions

    def record_vote(self, guild_id: int | None, message_id: int, paper_id: str, user_id: int, at: datetime) -> bool:
        """Store a 👍 vote for a paper on a post; return False if this user already voted for it there."""
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT OR IGNORE INTO votes (message_id, paper_id, user_id, guild_id, ts) VALUES (?, ?, ?, ?, ?)",
                (message_id, paper_id, user_id, guild_id, utc_iso(at)),
            )
            return cursor.rowcount > 0

    def vote_counts(self, guild_id: int, since: datetime) -> dict[str, int]:
        """Return the number of votes per paper in a server from a time on."""
        rows = self._read(
            "SELECT paper_id, COUNT(*) FROM votes WHERE guild_id = ? AND ts >= ? GROUP BY paper_id",
            (guild_id, utc_iso(since)),
        )
        return {paper_id: int(count) for paper_id, count in rows}

    def add_reaction(self, guild_id: int | None, message_id: int, user_id: int, emoji: str, at: datetime) -> bool:
        """Store a reaction on a message; return False if it was already there."""
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT OR IGNORE INTO reactions (message_id, user_id, emoji, guild_id, ts) VALUES (?, ?, ?, ?, ?)",
                (message_id, user_id, emoji, guild_id, utc_iso(at)),
            )
            return cursor.rowcount > 0

    def remove_reaction(self, message_id: int, user_id: int, emoji: str) -> bool:
        """Forget a reaction that was taken back; return whether it was stored."""
        with self._write() as conn:
            cursor = conn.execute(
                "DELETE FROM reactions WHERE message_id = ? AND user_id = ? AND emoji = ?", (message_id, user_id, emoji)
            )
            return cursor.rowcount > 0

    def reaction_counts(self, guild_id: int, since: datetime) -> dict[str, int]:
        """Return, per paper, the reactions on the server's posts that carried it (each card of a post counts)."""
        rows = self._read(
            "SELECT p.paper_ids, COUNT(*) FROM reactions r JOIN post_ledger p ON p.message_id = r.message_id "
            "WHERE r.guild_id = ? AND r.ts >= ? GROUP BY r.message_id",
            (guild_id, utc_iso(since)),
        )
        counts: dict[str, int] = {}
        for paper_ids, count in rows:
            for paper_id in _ids(paper_ids):
                counts[paper_id] = counts.get(paper_id, 0) + int(count)
        return counts

    def post_for_message(self, message_id: int) -> PostRecord | None:
        """Return the ledger entry of a sent post by its message id."""
        rows = self._read(
            f"SELECT {_POST_COLUMNS} FROM post_ledger WHERE message_id = ?",
            (message_id,),
        )
        return _post(rows[0]) if rows else None

    # ------------------------------------------------------------ subscriptions

    def add_subscription(self, guild_id: int | None, channel_id: int | None, user_id: int, topic: str) -> Subscription:
        """Store a subscription (guild_id None: by DM to user_id)."""
        now = _now()
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT INTO subscriptions (guild_id, channel_id, user_id, topic, paused, created_at) "
                "VALUES (?, ?, ?, ?, 0, ?)",
                (guild_id, channel_id, user_id, topic, now),
            )
            sub_id = int(cursor.lastrowid or 0)
        return Subscription(sub_id, guild_id, channel_id, user_id, topic, False, now)

    def subscriptions(self, *, guild_id: int | None = None, user_id: int | None = None) -> list[Subscription]:
        """Return subscriptions, filtered by server and/or user, oldest first."""
        where, params = _where(("guild_id = ?", guild_id), ("user_id = ?", user_id))
        rows = self._read(
            f"SELECT id, guild_id, channel_id, user_id, topic, paused, created_at FROM subscriptions{where} ORDER BY id", params
        )
        return [_subscription(r) for r in rows]

    def subscription(self, sub_id: int) -> Subscription | None:
        """Return one subscription by id."""
        rows = self._read(
            "SELECT id, guild_id, channel_id, user_id, topic, paused, created_at FROM subscriptions WHERE id = ?", (sub_id,)
        )
        return _subscription(rows[0]) if rows else None

    def remove_subscription(self, sub_id: int) -> bool:
        """Delete a subscription and its delivery record; return whether it existed."""
        with self._write() as conn:
            conn.execute("DELETE FROM deliveries WHERE subscription_id = ?", (sub_id,))
            return conn.execute("DELETE FROM subscriptions WHERE id = ?", (sub_id,)).rowcount > 0

    def set_paused(self, sub_id: int, paused: bool) -> bool:
        """Pause or resume a subscription; return whether it exists."""
        with self._write() as conn:
            return conn.execute("UPDATE subscriptions SET paused = ? WHERE id = ?", (int(paused), sub_id)).rowcount > 0

    def record_deliveries(self, sub_id: int, paper_ids: Sequence[str], at: datetime) -> None:
        """Remember that these papers were sent to a subscription."""
        with self._write() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO deliveries (subscription_id, paper_id, ts) VALUES (?, ?, ?)",
                [(sub_id, paper_id, utc_iso(at)) for paper_id in paper_ids],
            )

    def delivered(self, sub_id: int) -> set[str]:
        """Return the ids of the papers already sent to a subscription."""
        return {r[0] for r in self._read("SELECT paper_id FROM deliveries WHERE subscription_id = ?", (sub_id,))}

    # --------------------------------------------------------------------- meta

    def get_meta(self, key: str) -> str | None:
        """Return a stored fact by key."""
        rows = self._read("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        """Store a fact by key, replacing the old value."""
        with self._write() as conn:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # ------------------------------------------------------------------ servers

    def forget_channel(self, guild_id: int, channel_id: int) -> tuple[int, bool]:
        """Drop a deleted channel's subscriptions and turn trending off if it posted there.

        Returns how many subscriptions went and whether trending was switched off.
        """
        with self._write() as conn:
            conn.execute(
                "DELETE FROM deliveries WHERE subscription_id IN "
                "(SELECT id FROM subscriptions WHERE guild_id = ? AND channel_id = ?)",
                (guild_id, channel_id),
            )
            removed = conn.execute(
                "DELETE FROM subscriptions WHERE guild_id = ? AND channel_id = ?", (guild_id, channel_id)
            ).rowcount
            off = conn.execute(
                "UPDATE guild_settings SET enabled = 0, updated_at = ? WHERE guild_id = ? AND channel_id = ? AND enabled = 1",
                (_now(), guild_id, channel_id),
            ).rowcount
        return removed, off > 0

    def known_guild_ids(self) -> set[int]:
        """Return every server id the state holds anything of."""
        tables = ("guild_settings", "post_ledger", "subscriptions", "events", "votes", "reactions")
        union = " UNION ".join(f"SELECT guild_id FROM {table} WHERE guild_id IS NOT NULL" for table in tables)
        return {int(row[0]) for row in self._read(union)}

    def delete_guild(self, guild_id: int) -> None:
        """Forget a server: its settings, post ledger, subscriptions and events, in one transaction."""
        with self._write() as conn:
            conn.execute(
                "DELETE FROM deliveries WHERE subscription_id IN (SELECT id FROM subscriptions WHERE guild_id = ?)",
                (guild_id,),
            )
            for table in ("guild_settings", "post_ledger", "subscriptions", "events", "votes", "reactions"):
                conn.execute(f"DELETE FROM {table} WHERE guild_id = ?", (guild_id,))


def _settings(row: tuple) -> GuildSettings:
    return GuildSettings(row[0], row[1], row[2], row[3], bool(row[4]), row[5])


def _subscription(row: tuple) -> Subscription:
    return Subscription(row[0], row[1], row[2], row[3], row[4], bool(row[5]), row[6])


def _post(row: tuple) -> PostRecord:
    return PostRecord(row[0], row[1], row[2], row[3], row[4], row[5], _ids(row[6]), row[7], row[8])
