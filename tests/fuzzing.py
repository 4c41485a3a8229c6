"""Random front matter, Markdown and bytes for the fuzz tests, and the rule every fuzzed build
keeps: a site, or clean errors each a `path:line: message`, never a traceback."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st

from generator.build.pipeline import BuildResult
from generator.errors import Problem, SiteError
from tests.helpers import REPORT, build_out

FUZZ = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])

# Any character a file can hold as UTF-8 (surrogates cannot be encoded), controls included.
ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
YAML_TOKENS = st.sampled_from([
    "title", "date", "slug", "place", "region", "tags", "summary", "source", "draft", "as_found",
    "site", "url", "retrieved", ": ", ":", "-", "- ", "  ", "\t", "\n", "[", "]", "{", "}", ",",
    "&a ", "*a", "!!python/name:os.system", "!x ", "|", ">", "'", '"', "#", "%", "@", "`", "?",
    "---", "...", "2020", "2020-02-30", "XXXX-05-10", "yes", "no", "on", "1.10", "~", "null",
    "1e3", "0x1F", ".inf", "<<", "\\u2028", "\\x00", "\u2028", "\ufeff", "\r", "\x00", "\x85",
    "javascript:alert(1)", "https://e.org/", "../x", "C:", "%2e%2e", "专利", "知识产权",
])
YAMLISH = st.lists(st.one_of(YAML_TOKENS, ANY_TEXT), max_size=30).map("".join)
VALUE = st.one_of(ANY_TEXT, YAMLISH, st.integers(), st.booleans(), st.none(),
                  st.lists(ANY_TEXT, max_size=4))
FIELDS = st.dictionaries(
    st.sampled_from(["title", "date", "slug", "place", "region", "tags", "summary", "draft",
                     "as_found", "source", "extra"]),
    st.one_of(VALUE, st.dictionaries(st.sampled_from(["site", "url", "retrieved", "x"]), VALUE,
                                     max_size=3)),
    max_size=8)
MD_TOKENS = st.sampled_from([
    "#", "## ", "*", "**", "_", "`", "```", "    ", "\t", "> ", "- ", "1. ", "|", "---", "\n",
    "\n\n", "[", "]", "(", ")", "![", "<", ">", "&", "&#106;", "&#x6A;", "javascript:",
    "JaVaScRiPt:", "vbscript:", "data:text/html,", "<script>", "</script>", "<img src=x ",
    "onerror=alert(1)", " onclick=", "<a href=", "<iframe ", "<svg onload=alert(1)>", '"', "'",
    "<!--", "-->", "[^1]", "[^1]: ", "*[HTML]: ", ": ", '<div markdown="1">', "</div>",
    "{: #id }", "\\", "\u2028", "\x00", "\x0b", "专利", "。",
])
MARKDOWN = st.lists(st.one_of(MD_TOKENS, ANY_TEXT), max_size=60).map("".join)

# What a message must not show an editor: Python's words instead of the archive's.
PYTHON_WORDS = re.compile(r"Traceback|object at 0x|<class |<unicode string>|NoneType"
                          r"|\b[A-Z][a-z]+(Error|Exception)\b")
# Everything YAML, Markdown or a reader may take for the end of a line.
LINE_ENDS = re.compile("\r\n|[\n\r\x85\u2028\u2029]")


def outcome(site: Path) -> BuildResult | SiteError:
    """Build; anything but a result or a SiteError of problems an editor can act on fails."""
    try:
        result = build_out(site)
    except SiteError as exc:
        refused = exc
    else:
        event("built")
        return result
    event("refused")
    assert [p for p in refused.problems if not p.warning], "a failed build must say why"
    for problem in refused.problems:
        assert_actionable(problem, site)
    return refused


def assert_actionable(problem: Problem, site: Path) -> None:
    """The problem names a file of the site and a line that file has, in words, on one line."""
    where = Path(problem.path)
    assert where.is_absolute() and where.resolve().is_relative_to(site.resolve()), \
        f"{problem}: names no file of the site"
    if problem.line:
        text = where.read_bytes().decode("utf-8", "replace")
        assert 1 <= problem.line <= len(LINE_ENDS.findall(text)) + 1, \
            f"{problem}: {where.name} has no line {problem.line}"
    message = problem.message
    assert message.strip() and "\n" not in message and "\r" not in message, repr(message)
    assert not PYTHON_WORDS.search(message), f"{problem}: speaks Python, not the archive"


def write_report(site, data: bytes | str) -> None:
    reports = site / "content/reports"
    shutil.rmtree(reports, ignore_errors=True)
    reports.mkdir(parents=True)
    path = site / REPORT
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))


def yaml_of(fields: dict) -> str:
    lines = []
    for key, value in fields.items():
        if isinstance(value, dict):
            lines.append(f"{key}:")
            lines += [f"  {k}: {json.dumps(v, ensure_ascii=False)}" for k, v in value.items()]
        else:
            lines.append(f"{key}: {json.dumps(value, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


_sites: dict[int, object] = {}


def fuzz_site(make_site):
    """One site per test (hypothesis runs each example in the same test call)."""
    key = id(make_site)
    if key not in _sites:
        _sites.clear()
        _sites[key] = make_site({"site.yaml": "title: 测试\n"})
    return _sites[key]
