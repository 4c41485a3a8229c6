"""`ipr-archive serve`: the built site over HTTP, rebuilt and reloaded as files change.

paths (which output file a request names), events (the live-reload channel and live.js),
http (the server, and who may ask), rebuild (one build at a time as sources change),
watch (what changed in the sources).
"""
