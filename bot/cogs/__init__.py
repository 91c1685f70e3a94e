"""Discord cogs: each validates input, calls a handler, and sends the rendered reply."""

EXTENSIONS = (
    "bot.cogs.search", "bot.cogs.papers", "bot.cogs.help", "bot.cogs.mention", "bot.cogs.config", "bot.cogs.trending",
    "bot.cogs.subscriptions",
)
