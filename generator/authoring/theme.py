"""`ipr-archive theme`: copies of the built-in theme's files in the site, to edit.

A site's own templates/ and static/ override the theme file by file, so a copy changes
nothing until it is edited. Everything here is pure except the last two functions, which
look at and write the site's files.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..pages import theme

FOLDERS = ("templates", "static")


class ThemeError(Exception):
    """Names the theme does not have; the message lists those it has."""


@dataclass(frozen=True)
class ThemeCopy:
    """What `theme` copies into the site, and what it leaves as the site has it."""

    copy: tuple[str, ...]  # theme paths such as templates/base.html
    kept: tuple[str, ...]


def theme_files() -> tuple[str, ...]:
    """Every file of the theme, as its path in a site: templates/base.html, static/…."""
    found = []
    for folder in FOLDERS:
        root = theme.THEME / folder
        found += [path.relative_to(theme.THEME).as_posix() for path in root.rglob("*")
                  if path.is_file() and "__pycache__" not in path.parts]
    return tuple(sorted(found))


def resolve_names(names: list[str], available: tuple[str, ...]) -> tuple[str, ...]:
    """The theme paths `names` mean (`base.html` or `templates/base.html`), each once;
    ThemeError if any name is not a theme file or could be two."""
    chosen: list[str] = []
    unknown: list[str] = []
    for name in names:
        wanted = name.replace("\\", "/").strip("/")
        matches = [p for p in available if p == wanted] or \
                  [p for p in available if p.split("/", 1)[1] == wanted]
        if len(matches) == 1:
            chosen.append(matches[0])
        else:
            unknown.append(name if not matches else f"{name} (could be {' or '.join(matches)})")
    if unknown:
        raise ThemeError(f"the theme has no {', '.join(unknown)} — it has: "
                         f"{', '.join(available)}")
    return tuple(dict.fromkeys(chosen))


def plan_theme_copy(site_root: Path, names: list[str]) -> ThemeCopy:
    """The files to copy (all the theme's if no names), and those the site already has."""
    available = theme_files()
    wanted = resolve_names(names, available) if names else available
    kept = tuple(p for p in wanted if overridden(site_root, p))
    return ThemeCopy(copy=tuple(p for p in wanted if p not in kept), kept=kept)


def overridden(site_root: Path, theme_path: str) -> bool:
    """Whether the site has its own file (or anything else) at a theme file's path."""
    path = site_root / theme_path
    return path.exists() or path.is_symlink()


def write_theme_copy(site_root: Path, plan: ThemeCopy) -> tuple[list[str], list[str]]:
    """Copy the planned files, byte for byte, never replacing one: (copied, kept)."""
    copied, kept = [], list(plan.kept)
    for theme_path in plan.copy:
        target = site_root / theme_path
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with open(target, "xb") as handle:
                handle.write((theme.THEME / theme_path).read_bytes())
        except FileExistsError:  # made since the plan was made: the site's, kept
            kept.append(theme_path)
            continue
        copied.append(theme_path)
    return copied, kept
