"""A new archive: `ipr-archive init` plans its files here, then writes them, never over one.

Everything here is pure except the two functions at the end, which look at and write
the site's files.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from ..source.content import LINKS_FILE, PAGES_DIR, REPORTS_DIR
from ..source.settings import CONFIG_NAME, SETTINGS
from .new import NewReport, report_text, yaml_scalar

EXAMPLE_SLUG = "example-report"
EXAMPLE_BODY = """\
这是一篇示例报告，由 `ipr-archive init` 写出，用来展示报告文件的样子。

报告是 `content/reports/` 下的一个 Markdown 文件：两行 `---` 之间是报告的信息（标题、日期、
地区、标签等），其后是正文。请把这篇示例换成真实的报告，或者删除本文件；
`ipr-archive new 报告标题` 可以写出一篇新报告的框架。
"""

ABOUT = """\
---
title: 关于
description: 本站收录的内容与整理原则。
---

本站是一个报告档案，由 ipr-archive 生成。

请在这里说明本站收录哪些报告、它们来自哪里、如何整理。本页的文件是
`content/pages/about.md`。
"""

LINKS = """\
# Related-article titles: each entry `- title: …`, with its `source` (site, page_title)
# and a `url:` when known. Titles about 世界知识产权日 make the World IP Day index; the
# others show as related reading on the reports archived from the same source page.
# Empty for now: add entries below, or let `ipr-archive import` add them.
"""

GITIGNORE = """\
# What a build writes: the site, the build cache, and what a killed build may leave
/public/
/.public.spare/
/.public.lock
/.public.new-*/
/.public.old-*/
/.cache/
"""


@dataclass(frozen=True)
class SiteFile:
    """One file `init` writes: its path under the new archive, and its text."""

    path: Path
    text: str


def site_yaml_text() -> str:
    """site.yaml with every setting at its default, each under its one-line doc."""
    lines = ["# The archive's settings; docs/settings.md tells more of each.", ""]
    for setting in SETTINGS:
        lines.append(f"# {setting.doc}")
        lines.append(f"{setting.name}: {_yaml_value(setting.default)}".rstrip())
        lines.append("")
    return "\n".join(lines)


def _yaml_value(value: object) -> str:
    if value is None:
        return ""  # YAML's null: the setting's default, none
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(yaml_scalar(str(item)) for item in value) + "]"
    return yaml_scalar(str(value))


def archive_files(today: datetime.date) -> tuple[SiteFile, ...]:
    """Every file of a new archive, in the order `init` writes and prints them."""
    example = NewReport(title="示例报告", date=today.isoformat(), slug=EXAMPLE_SLUG,
                        summary="一篇示例报告：请换成真实的报告。", body=EXAMPLE_BODY)
    return (SiteFile(Path(CONFIG_NAME), site_yaml_text()),
            SiteFile(REPORTS_DIR / f"{EXAMPLE_SLUG}.md", report_text(example)),
            SiteFile(PAGES_DIR / "about.md", ABOUT),
            SiteFile(LINKS_FILE, LINKS),
            SiteFile(Path(".gitignore"), GITIGNORE))


def existing_files(site_root: Path) -> list[Path]:
    """What `site_root` already holds, if anything: init starts an archive only in a new
    or empty folder (a `.git` folder aside, for an archive kept in git from the start)."""
    if not site_root.exists() and not site_root.is_symlink():
        return []
    if not site_root.is_dir() or site_root.is_symlink():
        return [site_root]
    return sorted(path for path in site_root.iterdir() if path.name != ".git")


def write_archive(site_root: Path, files: tuple[SiteFile, ...]) -> list[Path]:
    """Create every file; never replaces one (FileExistsError names the first found)."""
    written = []
    for file in files:
        path = site_root / file.path
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(file.text)
        written.append(path)
    return written
