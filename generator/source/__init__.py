"""The author's files into checked content: text files, YAML nodes that keep their lines,
typed fields, settings, reports, pages and links, and the checks across files."""
