"""Content into pages: the site model, page plans, templates, Markdown, feeds and citations."""
