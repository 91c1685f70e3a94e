"""Discord cogs, one feature each: validate input, call a handler, send the rendered reply.

Cogs raise; the command tree's error hook (bot/discord_app/client.py) turns what they
raise into the user's message or the apology.
"""

EXTENSIONS = tuple(
    f"bot.discord_app.cogs.{name}"
    for name in ("search", "papers", "authors", "help", "mention", "message_search", "config", "trending", "subscriptions",
                 "follow")
)
