"""Parsed sources and rendered bodies as the cache stores them: JSON records and
compressed HTML, never pickle. Reading one back checks every field's type."""
from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import Problem
from ..source.content import Page, Report, Source
from ..source.dates import PartialDate

if TYPE_CHECKING:
    from ..pages.markup import Rendered


class CacheUnreadable(Exception):
    """The cache, or a record in it, is damaged or of another format."""


def pack_body(body: Rendered) -> tuple[bytes, str]:
    """Rendered Markdown as stored: compressed, since it crosses from the worker processes
    and fills most of the cache (Chinese HTML shrinks about threefold)."""
    headings = json.dumps([[h.level, h.anchor, h.text] for h in body.headings],
                          ensure_ascii=False)
    return zlib.compress(body.html.encode("utf-8"), 1), headings


def unpack_body(html: bytes, headings: str) -> Rendered:
    from ..pages.markup import Heading, Rendered  # Markdown is loaded only by builds that render

    return Rendered(zlib.decompress(html).decode("utf-8"),
                    tuple(Heading(int(level), str(anchor), str(text))
                          for level, anchor, text in json.loads(headings)))


# Parsed reports and pages are cached as JSON records without their bodies: a page is
# re-rendered only when its file changed, and then the file is parsed anew.

def record_of(source: Report | Page, warnings: list[Problem]) -> str:
    if isinstance(source, Report):
        s = source.source
        fields = {
            "kind": "report", "slug": source.slug, "title": source.title,
            "date": _date_record(source.date),
            "place": source.place, "region": source.region, "tags": list(source.tags),
            "summary": source.summary, "draft": source.draft,
            "body_sha256": source.body_sha256, "as_found": list(source.as_found),
            "field_lines": [list(pair) for pair in source.field_lines],
            "refs": [list(pair) for pair in source.refs],
            "source": None if s is None else [
                s.site, s.page_title, s.section, s.url,
                None if s.retrieved is None else _date_record(s.retrieved), s.capture,
                s.capture_sha256],
        }
    else:
        fields = {"kind": "page", "slug": source.slug, "title": source.title,
                  "description": source.description, "draft": source.draft,
                  "refs": [list(pair) for pair in source.refs]}
    fields["warnings"] = [[p.line, p.message] for p in warnings]
    return json.dumps(fields, ensure_ascii=False, sort_keys=True)


def source_of(record: str, path: Path, digest: str) -> tuple[Report | Page, list[Problem]]:
    """Rebuild a parsed source from its record; raises CacheUnreadable if it is damaged."""
    try:
        f = json.loads(record)
        warnings = [Problem(path, int(line), str(message), warning=True)
                    for line, message in f["warnings"]]
        if f["kind"] == "page":
            return Page(path, f["slug"], f["title"], None, f["description"], f["draft"],
                        digest, _refs_of(f["refs"])), warnings
        s = f["source"]
        source = None if s is None else Source(
            s[0], s[1], s[2], s[3], None if s[4] is None else _date_of(s[4]), s[5], s[6])
        return Report(path, f["slug"], f["title"], _date_of(f["date"]), None, f["place"],
                      f["region"], tuple(f["tags"]), f["summary"], source, f["draft"],
                      tuple((str(k), int(v)) for k, v in f["field_lines"]), digest,
                      str(f["body_sha256"]),
                      as_found=tuple(str(e) for e in f["as_found"]),
                      refs=_refs_of(f["refs"])), warnings
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise CacheUnreadable(f"a damaged record for {path}: {exc}") from None


def _refs_of(record: list) -> tuple[tuple[str, int], ...]:
    return tuple((str(destination), int(line)) for destination, line in record)


def _date_record(date: PartialDate) -> list:
    return [date.year, date.month, date.day, date.uncertain]


def _date_of(record: list) -> PartialDate:
    year, month, day, uncertain = record
    if not all(v is None or type(v) is int for v in (year, month, day)) or \
            type(uncertain) is not bool:
        raise ValueError(f"not a date: {record!r}")
    return PartialDate(year, month, day, uncertain)
