"""The state schema: ordered migrations, applied at open time and counted in `PRAGMA user_version`."""

from __future__ import annotations

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
    (
        # A conversation: one user's search in one channel (thread, DM), refined by follow-ups.
        # `channel_id` 0 is the terminal console; `result_ids` are the ranked papers, `shown` how
        # many of them were shown so far; `filters` is JSON (since, until, has_code, exclude).
        """CREATE TABLE conversations (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL,
            guild_id INTEGER,
            channel_id INTEGER NOT NULL,
            query TEXT NOT NULL,
            filters TEXT NOT NULL,
            result_ids TEXT NOT NULL,
            shown INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        "CREATE INDEX conversations_latest ON conversations (user_id, channel_id, updated_at)",
        "CREATE INDEX conversations_updated ON conversations (updated_at)",
        # The bot's messages that answered in a conversation: a reply to one continues it.
        """CREATE TABLE conversation_messages (
            message_id INTEGER PRIMARY KEY,
            conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE
        )""",
    ),
    (
        # A server's /config preferences. `post_size`: how many cards its daily trending post has
        # (Discord shows at most 10 embeds per message). `private_results`: whether /find answers
        # only the searcher when the option is not given. `mention_channels`: NULL answers
        # mentions in every channel, else a JSON array of the channel ids where they are answered.
        # A new server (no row yet) gets the same defaults from bot/state/server_settings.py.
        "ALTER TABLE guild_settings ADD COLUMN post_size INTEGER NOT NULL DEFAULT 5 CHECK (post_size BETWEEN 1 AND 10)",
        "ALTER TABLE guild_settings ADD COLUMN private_results INTEGER NOT NULL DEFAULT 0 CHECK (private_results IN (0, 1))",
        "ALTER TABLE guild_settings ADD COLUMN mention_channels TEXT",
    ),
    (
        # Result lists shown with paging buttons (/find, "Find similar papers"): who searched and
        # the reply as JSON (paper ids, not papers), so a page turn works after the view's timeout
        # and a restart. The buttons' custom ids carry the row id; a list lasts as long as a
        # conversation, CONVERSATION_TTL after its last use (bot/state/conversations.py).
        """CREATE TABLE result_lists (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL,
            guild_id INTEGER,
            reply TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        "CREATE INDEX result_lists_updated ON result_lists (updated_at)",
    ),
    (
        # What each answer showed (query, filters JSON, ranked `result_ids`, how many `shown`), kept
        # unchanged once written, so a Discord reply to an answer refines what *that* answer showed,
        # whatever the conversation did since; `conversations` keeps the latest state, which a
        # message that is no reply continues. A state is written with the answer, before it is
        # sent; a message is tied to it once sent. Pruned with its conversation.
        """CREATE TABLE answer_states (
            id INTEGER PRIMARY KEY,
            conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
            query TEXT NOT NULL,
            filters TEXT NOT NULL,
            result_ids TEXT NOT NULL,
            shown INTEGER NOT NULL,
            created_at TEXT NOT NULL
        )""",
        "CREATE INDEX answer_states_conversation ON answer_states (conversation_id)",
        # The state a message showed; NULL for messages from before states were kept (they refer
        # to their conversation's latest state, as they did then).
        "ALTER TABLE conversation_messages ADD COLUMN state_id INTEGER REFERENCES answer_states (id) ON DELETE CASCADE",
        "CREATE INDEX conversation_messages_state ON conversation_messages (state_id)",
    ),
    (
        # Papers members asked to fetch into the shared corpus from Discord: who, in which server
        # (NULL: a DM), which arXiv id, when, and how it went ('pending' until arXiv answered; see
        # bot/state/fetch_audit.py). The daily quotas are counted from it; shown by `paperscout stats`.
        """CREATE TABLE fetch_audit (
            id INTEGER PRIMARY KEY,
            ts TEXT NOT NULL,
            user_id INTEGER NOT NULL,
            guild_id INTEGER,
            arxiv_id TEXT NOT NULL,
            outcome TEXT NOT NULL
        )""",
        "CREATE INDEX fetch_audit_user_ts ON fetch_audit (user_id, ts)",
        "CREATE INDEX fetch_audit_guild_ts ON fetch_audit (guild_id, ts)",
    ),
    (
        # Where a server's answers to mentions go: 'reply' (a Discord reply, the default) or 'thread'
        # (a thread started from the question, the answer inside: bot/discord_app/threads.py).
        "ALTER TABLE guild_settings ADD COLUMN answers_in TEXT NOT NULL DEFAULT 'reply' "
        "CHECK (answers_in IN ('reply', 'thread'))",
        # Threads the bot opened for an answer, with its latest answer in each (`answer_id`): there, a
        # mention that is no Discord reply refines that answer. `channel_id` is the parent channel.
        # Kept as long as a conversation, CONVERSATION_TTL after the last answer (bot/state/threads.py).
        """CREATE TABLE answer_threads (
            thread_id INTEGER PRIMARY KEY,
            guild_id INTEGER NOT NULL,
            channel_id INTEGER NOT NULL,
            answer_id INTEGER NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        "CREATE INDEX answer_threads_updated ON answer_threads (updated_at)",
    ),
    (
        # A server's weekly digest (/config digest): `weekday` 0 is Monday, `post_time` local HH:MM;
        # `channel_id` and `timezone` NULL follow the daily post's (bot/state/digest_settings.py).
        """CREATE TABLE digest_settings (
            guild_id INTEGER PRIMARY KEY,
            weekday INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
            post_time TEXT NOT NULL,
            channel_id INTEGER,
            timezone TEXT,
            enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
            updated_at TEXT NOT NULL
        )""",
        # One digest per server and ISO week ("2026-W48"), claimed before it is sent; `content` is
        # the digest's sections as JSON, so a resend after a crash shows the same papers.
        """CREATE TABLE digest_ledger (
            guild_id INTEGER NOT NULL,
            week TEXT NOT NULL,
            channel_id INTEGER NOT NULL,
            message_id INTEGER,
            nonce TEXT NOT NULL,
            status TEXT NOT NULL,
            content TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (guild_id, week)
        )""",
    ),
    (
        # What a subscription follows: 'topic' (a search query, as before) or 'author' (`topic` then
        # holds the name, matched by corpus/authors.py's rule). Deliveries and /unsubscribe serve both.
        "ALTER TABLE subscriptions ADD COLUMN kind TEXT NOT NULL DEFAULT 'topic' CHECK (kind IN ('topic', 'author'))",
        # 👍 (1) / 👎 (-1) of the readers of a subscription's deliveries: one per member and paper, changeable;
        # a topic's profile learns from them (bot/core/learning.py). Kept as long as the subscription.
        """CREATE TABLE subscription_votes (
            subscription_id INTEGER NOT NULL,
            paper_id TEXT NOT NULL,
            user_id INTEGER NOT NULL,
            vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
            guild_id INTEGER,
            ts TEXT NOT NULL,
            PRIMARY KEY (subscription_id, paper_id, user_id)
        )""",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)
