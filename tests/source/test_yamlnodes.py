"""generator/source/yamlnodes.py: YAML read into values that keep their line, refusing
YAML's traps: duplicate keys, aliases, tags, and nesting deep enough to crash libyaml."""
from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from generator.source.yamlnodes import Mapping, Scalar, Seq, parse_yaml
from tests.helpers import GOOD_FRONT, REPORT, cli, errors_of, report

P = Path("f.md")


def test_values_keep_their_file_line_and_yaml_kind():
    root, problems = parse_yaml("title: 报告\nyear: 2024\ntags:\n  - 专利\n", P, first_line=2)
    assert problems == []
    assert isinstance(root, Mapping)
    assert root.get("title") == Scalar("报告", "text", 2)
    assert root.get("year") == Scalar("2024", "integer", 3)
    tags = root.get("tags")
    assert isinstance(tags, Seq) and tags.items == (Scalar("专利", "text", 5),)


def test_duplicate_keys_name_both_lines():
    _, problems = parse_yaml("title: a\ndate: 2020\ntitle: b\n", P, first_line=2)
    assert [(p.line, p.message.split(" —")[0]) for p in problems] == [
        (4, "duplicate key 'title' (also on line 2)")]


def test_aliases_are_refused_before_expansion():
    bomb = "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n"
    root, problems = parse_yaml(bomb, P)
    assert root is None
    assert problems[0].line == 2 and "aliases" in problems[0].message


def test_deep_nesting_is_an_error_not_a_crash():
    root, problems = parse_yaml("a: " + "[" * 5000 + "]" * 5000, P)
    assert root is None and "nested" in problems[0].message


def test_python_tags_are_errors_never_constructed():
    _, problems = parse_yaml("a: !!python/object/apply:os.system [echo hi]\n", P)
    assert "not allowed" in problems[0].message


def test_syntax_errors_are_placed_in_the_file():
    # The quote opens on line 3 and the text ends on line 4: the line it opens on is the one
    # an editor must fix.
    _, problems = parse_yaml("title: ok\nsummary: \"never closed\n", P, first_line=2)
    assert len(problems) == 1 and problems[0].line == 3
    assert "quoted value is not closed" in problems[0].message
    _, problems = parse_yaml("title: ok\n\tdate: 2020\n", P, first_line=2)
    assert problems[0].line == 3 and "tabs" in problems[0].message


def test_a_control_character_is_an_error_in_words_on_its_own_line():
    # An editor sees `path:line: message` on one line; PyYAML's reader error has no line
    # mark, names "<unicode string>" and spans two lines.
    root, problems = parse_yaml("title: a\nplace: b\x1f\n", P)
    assert root is None
    [problem] = problems
    assert "\n" not in problem.message and "<unicode string>" not in problem.message
    assert "#x001f" in problem.message.lower() or "u+001f" in problem.message.lower()
    assert problem.line == 2


def test_empty_document_is_none_without_problems():
    assert parse_yaml("", P) == (None, [])


def test_explicit_tags_on_plain_values_are_refused_too():
    _, problems = parse_yaml("a: !!binary aGk=\nb: !custom x\nc: !!str ok\n", P)
    assert [p.line for p in problems] == [1, 2]


def test_a_second_document_is_an_error():
    root, problems = parse_yaml("a: 1\n---\nb: 2\n", P)
    assert root is None and problems[0].line == 2


def test_quoting_makes_text_of_anything():
    root, _ = parse_yaml('a: "2024"\nb: \'yes\'\nc: 1.10\n', P)
    assert [v.kind for _, v in root.entries] == ["text", "text", "number"]


def test_deep_block_nesting_is_refused_too():
    text = "".join(f"{'  ' * depth}k{depth}:\n" for depth in range(40)) + "  " * 40 + "x\n"
    root, problems = parse_yaml(text, P)
    assert root is None and "nested more than 32" in problems[0].message


def test_duplicate_keys_in_a_report_name_both_lines(make_site):
    site = make_site({REPORT: report("title: 第一\ndate: 2020\nplace: 南京\ntitle: 第二\n")})
    assert errors_of(site) == [f"{REPORT}:5: duplicate key 'title' (also on line 2) — keep one "
                               "of them"]


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
    files = {name: text} if name == REPORT else {name: text, REPORT: report(GOOD_FRONT)}
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
    files = {name: text} if name == REPORT else {name: text, REPORT: report(GOOD_FRONT)}
    site = make_site(files)
    run = cli("build", "--site", str(site), "--out", str(site.parent / "out"), "--no-search",
              "--quiet", cwd=site)
    assert run.returncode == 1, (run.returncode, run.stderr[-2000:])
    assert "Traceback" not in run.stderr
    assert re.search(rf"^{re.escape(str(site / name))}:\d+: .*nested more than \d+ levels deep",
                     run.stderr, re.MULTILINE), run.stderr[-2000:]


@pytest.mark.parametrize("front, line, fixed, key", [
    ("title： 知识产权质押融资工作推进会\ndate: 2024-04-26\n", 2,
     "title: 知识产权质押融资工作推进会", "title"),
    ("date: 2024-04-26\ntitle：知识产权质押融资工作推进会\n", 3,
     "title: 知识产权质押融资工作推进会", "title"),
    ("title： 知识产权质押融资工作推进会\n", 2, "title: 知识产权质押融资工作推进会", "title"),
    ("title: 推进会\ntags：[专利]\ndate: 2024-04-26\n", 3, "tags: [专利]", "tags"),
    ("title: 推进会\ntags：［专利，商标］\ndate: 2024-04-26\n", 3, "tags: [专利, 商标]", "tags"),
    ("title: 推进会\ndate: 2024-04-26\nsource:\n  site： 高考猫\n  url: https://a.cn/\n", 5,
     "site: 高考猫", "site"),
])
def test_a_full_width_colon_after_a_key_is_named_at_its_line_with_the_line_fixed(
        make_site, front, line, fixed, key):
    site = make_site({REPORT: report(front)})
    assert errors_of(site) == [
        f"{REPORT}:{line}: a full-width colon `：` follows `{key}` — YAML needs an ASCII colon "
        f"and a space: `{fixed}`"]


def test_a_full_width_colon_inside_a_value_or_a_block_of_text_is_text(make_site):
    root, problems = parse_yaml("title: 会议：总结\nsummary: |\n  note：原文\n", Path("a.md"))
    assert problems == [] and isinstance(root, Mapping)
    assert root.get("title") == Scalar("会议：总结", "text", 1)
    # a block of text is not searched for slips, even when another line is wrong
    _, problems = parse_yaml("summary: |\n  note：原文\ntitle: 'x\n", Path("a.md"))
    assert "full-width" not in problems[0].message


def test_a_full_width_colon_in_a_links_entry_is_named_too(make_site):
    site = make_site({REPORT: report(GOOD_FRONT),
                      "content/links.yaml": "- title: 甲\n- title： 乙\n  url: https://a.cn/\n"})
    assert errors_of(site) == [
        "content/links.yaml:2: a full-width colon `：` follows `title` — YAML needs an ASCII "
        "colon and a space: `- title: 乙`"]
