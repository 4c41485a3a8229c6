"""Downloads for reference managers and data tools: each report's citation as RIS, BibTeX
and CSL-JSON, every report as CSV, and a Frictionless Data Package describing the data.

Like feeds.py, each is written by code that escapes for its format, and each function is
pure and given exactly the values its page plan names. A date is written only as far as
the source gives it: a year that is not known is never filled in (see docs/output.md for
what each format does with a partial date).
"""
from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable

from .. import urls
from ..source.content import Report
from ..source.dates import PartialDate
from ..source.settings import SiteConfig
from . import plan
from .feeds import report_line
from .site import ReportCard

# Line breaks of any kind: RIS is one field a line, and BibTeX and CSV readers cope
# better with titles on one line.
_LINE_BREAKS = re.compile(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+")
_CONTROL = re.compile("[\x00-\x08\x0e-\x1b\x7f]")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")

# reports.csv: every field of reports.json, the source flattened, in this order; what each
# column means is said once, here, for datapackage.json and the 数据下载 page alike.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("slug", "string", "报告的标识，也是报告页地址 reports/<slug>.html 的一部分"),
    ("title", "string", "报告标题，照录来源"),
    ("date", "string",
     "日期，只写来源给出的部分：YYYY-MM-DD、YYYY-MM、YYYY；年份不详写作 XXXX-MM-DD"),
    ("date_uncertain", "boolean", "日期是否存疑（true 或 false）"),
    ("place", "string", "地点；空白表示未注明"),
    ("region", "string", "地区（省级）；空白表示未注明"),
    ("tags", "string", "标签，多个标签以 / 分隔（标签本身不含 /）"),
    ("summary", "string", "摘要；空白表示没有"),
    ("source_site", "string", "来源网站"),
    ("source_page_title", "string", "来源页面的标题"),
    ("source_section", "string", "来源页面中的栏目"),
    ("source_url", "string", "来源页面的地址"),
    ("source_retrieved", "string", "获取日期，写法同 date"),
    ("body_sha256", "string",
     "正文的 SHA-256（UTF-8，换行为 LF，首尾不含空行），用来核对副本是否与本存档一致"),
    ("path", "string", "报告页相对于网站根目录的路径"),
    ("url", "string", "报告页的完整地址；网站未设 base_url 时为空白"),
)
TAG_SEPARATOR = "/"  # tags name output files, so none can hold a slash
_DATE_PATTERN = r"^(\d{4}|XXXX)(-\d{2}(-\d{2})?)?$"


def publisher_of(config: SiteConfig) -> str:
    """Who the citations name as publisher, as the GB/T 7714 text does."""
    return config.publisher or config.title


def _url(config: SiteConfig, card: ReportCard) -> str | None:
    return urls.absolute_url(config.base_url, card.out_path) if config.base_url else None


def _keywords(card: ReportCard) -> list[str]:
    """Tags, then the place: what the citations give as keywords."""
    return list(card.tags) + ([card.place] if card.place else [])


# --- RIS ------------------------------------------------------------------------------


def ris(config: SiteConfig, card: ReportCard) -> bytes:
    """One reference in RIS, the tagged format every reference manager imports. The date
    is DA's YYYY/MM/DD/other with the unknown parts empty; a date without a year keeps
    its month and day in the `other` part, in words, and has no PY."""
    lines = [("TY", "ELEC"), ("ID", card.slug), ("TI", card.title),
             ("T2", config.title), ("PB", publisher_of(config))]
    date = card.date
    if date.year is not None:
        lines.append(("PY", f"{date.year:04d}"))
    lines.append(("DA", _ris_date(date)))
    lines += [("KW", keyword) for keyword in _keywords(card)]
    if card.summary:
        lines.append(("AB", card.summary))
    lines.append(("LA", config.language))
    if (url := _url(config, card)) is not None:
        lines.append(("UR", url))
    text = "".join(f"{tag}  - {_one_line(value)}\r\n" for tag, value in lines)
    return (text + "ER  - \r\n").encode("utf-8")


def _ris_date(date: PartialDate) -> str:
    if date.year is None:
        return f"///{date.chinese}"
    month = f"{date.month:02d}" if date.month else ""
    day = f"{date.day:02d}" if date.day else ""
    return f"{date.year:04d}/{month}/{day}/{'存疑' if date.uncertain else ''}"


def _one_line(text: str) -> str:
    return _CONTROL.sub("", _LINE_BREAKS.sub(" ", text)).strip()


# --- BibTeX ---------------------------------------------------------------------------

# Characters TeX reads as commands, written as the commands that print them.
_TEX = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "%": r"\%", "&": r"\&",
        "#": r"\#", "$": r"\$", "_": r"\_", "^": r"\textasciicircum{}", "~": r"\textasciitilde{}"}
_TEX_SPECIAL = re.compile(r"[\\{}%&#$_^~]")
# A URL is read verbatim by biblatex and hyperref; only what would unbalance the field
# or end the line is percent-encoded (the path part of every URL here already is).
_URL_UNSAFE = {"{": "%7B", "}": "%7D", "\\": "%5C", "%": "%25"}


def bibtex(config: SiteConfig, card: ReportCard) -> bytes:
    """One @misc entry. `year` and `month` only when known; a date without a year is
    given in words in `note`."""
    date = card.date
    fields = [("title", _tex(card.title)), ("publisher", _tex(publisher_of(config))),
              ("howpublished", _tex(config.title))]
    notes = []
    if date.year is not None:
        fields.append(("year", f"{date.year:04d}"))
        if date.month is not None:
            fields.append(("month", _MONTHS[date.month - 1]))
        if date.uncertain:
            notes.append("日期存疑")
    else:
        notes.append(f"日期：{date.chinese}")
    if keywords := _keywords(card):
        fields.append(("keywords", _tex(", ".join(keywords))))
    if card.summary:
        fields.append(("abstract", _tex(card.summary)))
    fields.append(("language", _tex(config.language)))
    if (url := _url(config, card)) is not None:
        fields.append(("url", "".join(_URL_UNSAFE.get(c, c) for c in url)))
    if notes:
        fields.append(("note", _tex("；".join(notes))))
    body = ",\n".join(f"  {name} = {value}" if name == "month" else f"  {name} = {{{value}}}"
                      for name, value in fields)
    return f"@misc{{{card.slug},\n{body}\n}}\n".encode()


def _tex(text: str) -> str:
    text = _TEX_SPECIAL.sub(lambda m: _TEX[m.group()], _one_line(text))
    # BibTeX counts braces even after a backslash, so `\{` and `\}` serve only when they
    # pair up; a lone one would end the field early, and is spelled out instead.
    return text if _balanced(text) else text.replace(r"\{", r"\textbraceleft{}").replace(
        r"\}", r"\textbraceright{}")


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += 1 if char == "{" else -1 if char == "}" else 0
        if depth < 0:
            return False
    return depth == 0


# --- CSL-JSON -------------------------------------------------------------------------


def csl_json(config: SiteConfig, card: ReportCard) -> bytes:
    """One item in CSL-JSON, what Zotero, Pandoc and citeproc read. CSL dates are
    year-first, so a date without a year is given as `literal` text (5月10日（年份不详）),
    never with a year made up; an uncertain date is `circa`."""
    date = card.date
    issued: dict[str, object]
    if date.year is None:
        issued = {"literal": date.chinese}
    else:
        issued = {"date-parts": [[part for part in (date.year, date.month, date.day)
                                  if part is not None]]}
        if date.uncertain:
            issued["circa"] = True
    item: dict[str, object] = {
        "id": card.slug, "type": "webpage", "title": card.title,
        "container-title": config.title, "publisher": publisher_of(config),
        "issued": issued, "language": config.language}
    if keywords := _keywords(card):
        item["keyword"] = ", ".join(keywords)
    if card.summary:
        item["abstract"] = card.summary
    if (url := _url(config, card)) is not None:
        item["URL"] = url
    return (json.dumps([item], ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode()


# --- reports.csv and datapackage.json -------------------------------------------------


def reports_csv(config: SiteConfig, reports: tuple[Report, ...]) -> bytes:
    """Every report a row, as reports.json has them (see reports_csv_of_lines)."""
    return reports_csv_of_lines([report_line(config, report) for report in reports])


def reports_csv_of_lines(lines: Iterable[str]) -> bytes:
    """reports.csv from reports.json's lines, so the two always agree and a rebuild after
    body edits makes both from the same lines. UTF-8 with a BOM, which spreadsheet
    programs need to read Chinese; CRLF line ends (RFC 4180); every value as in the JSON,
    null as an empty cell. Values starting with = or + are data, not formulas: see
    docs/output.md."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([name for name, _, _ in COLUMNS])
    for line in lines:
        item = json.loads(line)
        source = item.get("source") or {}
        row = {**item, "tags": TAG_SEPARATOR.join(item["tags"]),
               **{f"source_{key}": value for key, value in source.items()}}
        writer.writerow([_cell(row.get(name)) for name, _, _ in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def datapackage(config: SiteConfig) -> bytes:
    """A Frictionless Data Package describing reports.csv (with its Table Schema) and
    reports.json; checked in the tests with `frictionless validate`."""
    fields = []
    for name, kind, description in COLUMNS:
        field: dict[str, object] = {"name": name, "type": kind, "description": description}
        if name in ("slug", "title", "date", "date_uncertain", "body_sha256", "path"):
            field["constraints"] = {"required": True}
        if name in ("date", "source_retrieved"):
            field["constraints"] = {**field.get("constraints", {}),  # type: ignore[dict-item]
                                    "pattern": _DATE_PATTERN}
        if name == "slug":
            field["constraints"] = {"required": True, "unique": True}
        fields.append(field)
    package: dict[str, object] = {
        "profile": "data-package",
        "name": "ipr-archive-reports",
        "title": config.title,
        "description": config.description,
        "languages": [config.language],
        "resources": [
            {"name": "reports-csv", "path": str(urls.REPORTS_CSV),
             "profile": "tabular-data-resource", "format": "csv", "mediatype": "text/csv",
             "encoding": "utf-8-sig",
             "description": "每篇报告一行，字段同 reports.json（来源拆为 source_ 开头的几列）；"
                            "UTF-8 编码，带 BOM",
             "dialect": {"delimiter": ",", "header": True, "lineTerminator": "\r\n",
                         "quoteChar": "\""},
             "schema": {"fields": fields, "primaryKey": ["slug"], "missingValues": [""]}},
            {"name": "reports-json", "path": str(urls.REPORTS_JSON),
             "profile": "data-resource", "format": "json", "mediatype": "application/json",
             "encoding": "utf-8",
             "description": "同样的报告元数据，JSON 格式：reports 数组中每篇报告一个对象，"
                            "字段同 reports.csv，tags 为数组，source 为对象"},
        ],
    }
    if config.base_url:
        package["homepage"] = config.base_url
    return (json.dumps(package, ensure_ascii=False, indent=2) + "\n").encode()


# Page plans name these outputs in place of a template (see render.py).
WRITERS: dict[str, Callable[..., bytes]] = {
    plan.RIS: ris, plan.BIBTEX: bibtex, plan.CSL_JSON: csl_json,
    plan.REPORTS_CSV: reports_csv, plan.DATAPACKAGE: datapackage}
