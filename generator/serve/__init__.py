"""`ipr-archive serve`: the built site over HTTP, rebuilt and reloaded as files change."""
