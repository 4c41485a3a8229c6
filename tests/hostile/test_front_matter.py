"""Hostile front matter, end to end through the real build: every mistake is an error at
its line in the whole file, all errors of a run together, and YAML's traps never slip through."""
from __future__ import annotations

import re
import textwrap

import pytest

from hostile.helpers import REPORT, build_out, cli, errors_of, report

GOOD = "title: 好的报告\ndate: 2020-01-02\n"


@pytest.mark.parametrize("text, line, words", [
    # The quote opens on line 2 and is never closed: the line it opens on is the useful one.
    (report('title: "盐城市大丰区\ndate: 2020\n'), 2, "quoted value is not closed"),
    (report("title: a\ndate: 2020\nsource:\n\tsite: x\n"), 5, "indent with spaces, not tabs"),
    (report("title: a\nthis line is stray\ndate: 2020\n"), 3, "neither `key: value`"),
    ("正文，没有前言。\n", 1, "no front matter"),
    ("---\ntitle: a\ndate: 2020\n\n正文。\n", 1, "never closed"),
    (report("- title: a\n- date: 2020\n"), 2, "holds a list"),
    (report("只是一句话\n"), 2, "holds a text"),
    (report(""), 1, "the front matter is empty"),
    (report("\n\n"), 1, "the front matter is empty"),
])
def test_broken_front_matter_is_an_error_at_its_line(make_site, text, line, words):
    site = make_site({REPORT: text})
    errors = errors_of(site)
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"{REPORT}:{line}: ") and words in errors[0], errors


def test_duplicate_keys_name_both_lines(make_site):
    site = make_site({REPORT: report("title: 第一\ndate: 2020\nplace: 南京\ntitle: 第二\n")})
    assert errors_of(site) == [f"{REPORT}:5: duplicate key 'title' (also on line 2) — keep one "
                               "of them"]


@pytest.mark.parametrize("field, written, reads_as", [
    ("title", "2024", "a number"), ("title", "yes", "true/false"), ("title", "on", "true/false"),
    ("title", "1.10", "a number"), ("place", "no", "true/false"), ("region", "off", "true/false"),
    ("summary", "2020-01-02", "a date"), ("place", "~", "empty"),
])
def test_yaml_surprises_are_typed_errors_that_say_to_quote(make_site, field, written, reads_as):
    front = f"title: 标题\ndate: 2020\n{field}: {written}\n" if field != "title" else \
        f"title: {written}\ndate: 2020\n"
    site = make_site({REPORT: report(front)})
    line = 2 if field == "title" else 4
    if written == "~":  # null: an unset optional field, not an error
        build_out(site)
        return
    [message] = errors_of(site)
    assert message.startswith(f"{REPORT}:{line}: '{field}' must be text, but YAML reads "
                              f"'{written}' as {reads_as}"), message
    assert f'put it in quotes: `{field}: "{written}"`' in message


def test_tag_items_that_yaml_reads_as_other_things_are_errors(make_site):
    site = make_site({REPORT: report("title: a\ndate: 2020\ntags:\n  - 专利\n  - on\n"
                                     "  - 1.10\n")})
    errors = errors_of(site)
    assert [e.split(": ")[0] for e in errors] == [f"{REPORT}:6", f"{REPORT}:7"], errors
    assert errors[0].endswith('put it in quotes: `"on"`') and errors[1].endswith('`"1.10"`')


def test_every_error_of_a_run_is_reported_together(make_site):
    site = make_site({
        "content/reports/a.md": report("title: 2024\ndate: 2020\n"),
        "content/reports/b.md": report("title: b\ndate: 2023-02-30\n"),
        "content/reports/c.md": "no front matter\n",
        "content/links.yaml": "- title: x\n  url: javascript:alert(1)\n",
        "site.yaml": "page_size: lots\n",
    })
    errors = errors_of(site)
    assert [e.split(": ")[0] for e in errors] == [
        "content/links.yaml:2", "content/reports/a.md:2", "content/reports/b.md:3",
        "content/reports/c.md:1", "site.yaml:1"], errors
    run = cli("build", "--site", str(site), "--out", str(site.parent / "cli-out"),
              "--no-search", "--quiet", cwd=site)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "5 errors" in run.stderr
    for error in errors:
        assert error.split(": ")[0] in run.stderr


ALIAS_BOMB = textwrap.dedent("""\
    a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
    b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
    c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
    d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
    e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
    f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
    g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
    h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
    i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
    """)


@pytest.mark.parametrize("name, text, line", [
    (REPORT, report("title: a\ndate: 2020\ntags: &t [专利]\n" + ALIAS_BOMB
                    + "summary: *i\n"), 6),
    ("content/links.yaml", "- title: &t 标题\n- title: *t\n", 2),
    ("site.yaml", "title: &t 站名\ndescription: *t\n", 2),
])
def test_an_alias_bomb_is_refused_at_its_first_alias(make_site, name, text, line):
    files = {name: text} if name == REPORT else {name: text, REPORT: report(GOOD)}
    site = make_site(files)
    errors = errors_of(site)
    assert errors == [f"{name}:{line}: YAML aliases (*{'a' if name == REPORT else 't'}) are "
                      "not allowed — write the value out in full"], errors


@pytest.mark.parametrize("tagged", [
    "!!python/object/apply:os.system ['touch PWNED']",
    "!!python/name:os.system",
    "!!python/object/new:os.system [touch PWNED]",
    "!custom value",
])
def test_python_and_custom_tags_are_errors_and_never_run(make_site, tagged):
    site = make_site({REPORT: report(f"title: a\ndate: 2020\nplace: {tagged}\n")})
    errors = errors_of(site)
    assert any(e.startswith(f"{REPORT}:4: the YAML tag") and "is not allowed" in e
               for e in errors), errors
    assert not (site / "PWNED").exists()


@pytest.mark.parametrize("name, text", [
    (REPORT, report("title: a\ndate: 2020\nsource: " + "[" * 25_000 + "]" * 25_000 + "\n")),
    (REPORT, report("title: a\ndate: 2020\nsource: " + "{a: " * 25_000 + "x"
                    + "}" * 25_000 + "\n")),
    # Block nesting needs ever more indentation: 3,000 levels is 4.5 MB, under the file limit.
    (REPORT, report("title: a\ndate: 2020\nsource:\n"
                    + "".join(" " * i + "-\n" for i in range(1, 3_000)))),
    ("content/links.yaml", "[" * 25_000 + "]" * 25_000 + "\n"),
    ("site.yaml", "title: " + "[" * 25_000 + "]" * 25_000 + "\n"),
], ids=["flow-list", "flow-mapping", "block-list", "links", "site-yaml"])
def test_deep_nesting_is_a_clean_error_in_a_separate_process(make_site, name, text):
    # libyaml's own loader segfaults on such input: only a subprocess can show there is no crash.
    files = {name: text} if name == REPORT else {name: text, REPORT: report(GOOD)}
    site = make_site(files)
    run = cli("build", "--site", str(site), "--out", str(site.parent / "out"), "--no-search",
              "--quiet", cwd=site)
    assert run.returncode == 1, (run.returncode, run.stderr[-2000:])
    assert "Traceback" not in run.stderr
    assert re.search(rf"^{re.escape(str(site / name))}:\d+: .*nested more than \d+ levels deep",
                     run.stderr, re.MULTILINE), run.stderr[-2000:]
