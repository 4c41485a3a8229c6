"""Random front matter, Markdown and bytes never end in a traceback: every build gives a
site or clean errors, each a `path:line: message`, and no script comes out of a body."""
from __future__ import annotations

import json
import re
import shutil

from bs4 import BeautifulSoup
from hypothesis import HealthCheck, event, given, settings, strategies as st

from generator.build.pipeline import BuildResult
from generator.errors import SiteError
from hostile.helpers import REPORT, build_out, cli
from hostile.test_escaping import assert_no_active_content

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

_PROBLEM = re.compile(r"^\S.*?(?::\d+)?: .+", re.DOTALL)


def outcome(site) -> BuildResult | SiteError:
    """Build; anything but a result or a SiteError of well-formed problems fails the test."""
    try:
        result = build_out(site)
        event("built")
        return result
    except SiteError as exc:
        event("refused")
        errors = [p for p in exc.problems if not p.warning]
        assert errors, "a failed build must say why"
        for problem in exc.problems:
            text = str(problem)
            assert text.startswith(f"{problem.path}"), text
            assert _PROBLEM.match(text) and problem.message.strip(), text
            assert problem.line >= 0
        return exc


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


@FUZZ
@given(front=YAMLISH, body=MARKDOWN)
def test_yaml_ish_front_matter_never_crashes(make_site, front, body):
    site = _site(make_site)
    write_report(site, f"---\n{front}\n---\n{body}")
    outcome(site)


@FUZZ
@given(fields=FIELDS, body=MARKDOWN)
def test_typed_fields_never_crash(make_site, fields, body):
    site = _site(make_site)
    write_report(site, f"---\n{yaml_of(fields)}---\n{body}")
    outcome(site)


@FUZZ
@given(body=MARKDOWN, title=ANY_TEXT)
def test_markdown_never_crashes_and_never_makes_a_script(make_site, body, title):
    site = _site(make_site)
    write_report(site, f"---\ntitle: {json.dumps(title or 'x')}\ndate: 2020\n---\n{body}")
    result = outcome(site)
    if isinstance(result, BuildResult):
        page = (result.out_dir / "reports/a.html").read_bytes()
        assert_no_active_content(BeautifulSoup(page, "html.parser"), "reports/a.html")


@FUZZ
@given(data=st.one_of(st.binary(max_size=200),
                      st.binary(max_size=100).map(lambda b: b"---\ntitle: a\ndate: 2020\n---\n"
                                                  + b)))
def test_random_bytes_never_crash(make_site, data):
    site = _site(make_site)
    write_report(site, data)
    outcome(site)


@settings(max_examples=5, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(front=YAMLISH, body=MARKDOWN, links=YAMLISH, config=YAMLISH)
def test_the_command_never_prints_a_traceback(make_site, front, body, links, config):
    site = _site(make_site)
    write_report(site, f"---\n{front}\n---\n{body}")
    (site / "content/links.yaml").write_text(links, "utf-8")
    (site / "site.yaml").write_text(config, "utf-8")
    run = cli("build", "--site", str(site), "--out", str(site.parent / "cli-out"),
              "--no-search", "--jobs", "1", "--no-cache", cwd=site)
    assert "Traceback" not in run.stderr, run.stderr
    assert run.returncode in (0, 1), (run.returncode, run.stderr)
    if run.returncode == 1:
        assert re.search(r"^\S+(:\d+)?: ", run.stderr, re.MULTILINE), run.stderr


_sites: dict[int, object] = {}


def _site(make_site):
    """One site per test (hypothesis runs each example in the same test call)."""
    key = id(make_site)
    if key not in _sites:
        _sites.clear()
        _sites[key] = make_site({"site.yaml": "title: 测试\n"})
    return _sites[key]
