"""The built-in theme: the templates and static files every site starts from.

A site's own `templates/` and `static/` override it file by file: a site may override
only base.html, or add static/logo.png."""
from __future__ import annotations

from pathlib import Path

THEME = Path(__file__).resolve().parent
TEMPLATES = THEME / "templates"
STATIC = THEME / "static"
