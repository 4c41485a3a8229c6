"""The editor's commands besides build: check, lint, new and import."""
