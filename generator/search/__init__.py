"""The search index: the pages of a build into the files the search page reads."""
