"""generator/source/fields.py: typed reading of YAML values, with a message that says how
to write each one."""
from __future__ import annotations

from pathlib import Path

import pytest

from generator.source.fields import FieldReader
from generator.source.yamlnodes import Mapping, parse_yaml
from tests.helpers import GOOD_FRONT, REPORT, build_out, errors_of, report


@pytest.mark.parametrize("field, written, reads_as", [
    ("title", "2024", "a number"), ("title", "yes", "true/false"), ("title", "on", "true/false"),
    ("title", "1.10", "a number"), ("place", "no", "true/false"), ("region", "off", "true/false"),
    ("summary", "2020-01-02", "a date"),
])
def test_yaml_surprises_are_typed_errors_that_say_to_quote(make_site, field, written, reads_as):
    front = f"title: 标题\ndate: 2020\n{field}: {written}\n" if field != "title" else \
        f"title: {written}\ndate: 2020\n"
    site = make_site({REPORT: report(front)})
    line = 2 if field == "title" else 4
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


@pytest.mark.parametrize("field", ["place", "region", "summary"])
def test_an_empty_optional_field_is_the_field_left_out(make_site, field):
    """`place: ~` is YAML's null: no error and no warning, and the page is the page of a
    report without the line."""
    front = "title: 标题\ndate: 2020\n"
    empty = make_site({REPORT: report(f"{front}{field}: ~\n")}, name="empty")
    absent = make_site({REPORT: report(front)}, name="absent")
    result = build_out(empty)
    assert [str(p) for p in result.warnings if REPORT in str(p)] == []
    page = "reports/a.html"
    assert (result.out_dir / page).read_bytes() == \
        (build_out(absent).out_dir / page).read_bytes()


# --- FieldReader itself ------------------------------------------------------------------

P = Path("content/reports/a.md")


def reader(text: str, problems: list) -> FieldReader:
    root, parse_problems = parse_yaml(text, P, first_line=2)
    assert parse_problems == [] and isinstance(root, Mapping)
    return FieldReader(root, P, problems)


def test_text_is_stripped_and_a_missing_required_field_says_what_to_add():
    problems: list = []
    fields = reader("title: '  标题  '\nplace: ~\n", problems)
    assert fields.text("title", required=True) == "标题"
    assert fields.text("place") is None and fields.text("summary") is None
    assert fields.text("date", required=True, example="XXXX-05-10") is None
    assert [(p.line, p.message) for p in problems] == [
        (2, "missing required field 'date' — add a line such as `date: XXXX-05-10`")]


def test_an_empty_required_text_is_an_error_at_its_line():
    problems: list = []
    assert reader("date: 2020\ntitle: ''\n", problems).text("title", required=True,
                                                              example="标题") is None
    assert [(p.line, p.message) for p in problems] == [(3, "'title' is empty — write "
                                                           "`title: 标题`")]


def test_a_list_or_mapping_where_text_belongs_is_an_error():
    problems: list = []
    fields = reader("title: [a, b]\nplace:\n  city: 南京\n", problems)  # the mapping is on 4
    assert fields.text("title") is None and fields.text("place") is None
    assert [(p.line, p.message.split(" —")[0]) for p in problems] == [
        (2, "'title' must be text, not a list"), (4, "'place' must be text, not a mapping")]


@pytest.mark.parametrize("written, value, error", [
    ("true", True, None), ("false", False, None), ("True", True, None),
    ("yes", None, "'draft' must be true or false, not 'yes'"),
    ("1", None, "'draft' must be true or false, not '1'"),
])
def test_booleans_are_true_or_false_and_nothing_yaml_reads_as_one(written, value, error):
    problems: list = []
    got = reader(f"draft: {written}\n", problems).boolean("draft", default=False)
    assert got == (False if value is None else value)
    assert [p.message.split(" —")[0] for p in problems] == ([error] if error else [])


@pytest.mark.parametrize("written, value", [("20", 20), ("1_000", 1000), ("0", None),
                                            ("1001", None), ("lots", None), ("2.5", None)])
def test_integers_are_whole_numbers_within_their_bounds(written, value):
    problems: list = []
    got = reader(f"page_size: {written}\n", problems).integer("page_size", 30, low=1,
                                                              high=1000)
    assert got == (30 if value is None else value)
    assert [p.message for p in problems] == ([] if value is not None else [
        f"'page_size' must be a whole number from 1 to 1000, not '{written}'"])


def test_a_text_list_keeps_its_order_drops_repeats_and_places_each_bad_item():
    problems: list = []
    fields = reader("tags:\n  - 专利\n  - 商标\n  - 专利\n  - on\n  - ''\n", problems)
    assert fields.text_list("tags", "专利, 商标") == ("专利", "商标")
    assert [p.line for p in problems] == [6, 7]  # `on` and the empty item
    assert reader("tags: 专利\n", problems).text_list("tags", "专利, 商标", names=True) == ()
    assert problems[-1].message == "'tags' must be a list — write `tags: [专利]`"  # their words


def test_a_nested_mapping_is_read_with_the_same_problems_list():
    problems: list = []
    fields = reader("source:\n  site: 高考猫\n  url: 3\n", problems)
    source = fields.mapping_of("source")
    assert source is not None and source.text("site") == "高考猫"
    assert source.text("url") is None and problems[0].line == 4
    assert reader("source: 高考猫\n", problems).mapping_of("source") is None
    assert problems[-1].message.startswith("'source' must be a mapping of fields")


def test_unknown_fields_are_warnings_naming_the_known_ones():
    problems: list = []
    reader("title: a\nauthor: 某人\n", problems).warn_unknown(("title", "date"), "a report")
    assert [(p.line, p.warning, p.message) for p in problems] == [
        (3, True, "unknown field 'author' in a report is ignored — known fields: title, date")]


def test_an_unknown_field_names_the_closest_known_one():
    problems: list = []
    reader("tag: [地理标志]\nregoin: 浙江省\nTitle: a\n", problems).warn_unknown(
        ("title", "date", "region", "tags"), "the front matter")
    assert [(p.line, p.warning, p.message) for p in problems] == [
        (2, True, "unknown field 'tag' in the front matter is ignored — did you mean `tags`?"),
        (3, True, "unknown field 'regoin' in the front matter is ignored — did you mean "
                  "`region`?"),
        (4, True, "unknown field 'Title' in the front matter is ignored — did you mean "
                  "`title`?")]


def test_a_key_read_with_its_full_width_colon_is_an_error_not_a_missing_field(make_site):
    # `title： 会议: 总结` is valid YAML: the key `title： 会议`, the value `总结`
    site = make_site({REPORT: report("title： 会议: 总结\ndate: 2024-04-26\n")})
    assert errors_of(site) == [
        f"{REPORT}:2: a full-width colon `：` follows `title` — YAML needs an ASCII colon and a "
        "space, and quotes around a value with `: ` in it: `title: \"会议: 总结\"`"]


@pytest.mark.parametrize("written, message", [
    ("［专利，商标］", "'tags' is written with full-width brackets, which YAML reads as text — "
                    "write `tags: [专利, 商标]`"),
    ("【专利、商标】", "'tags' is written with full-width brackets, which YAML reads as text — "
                    "write `tags: [专利, 商标]`"),
    ("[专利，商标]", "'tags' is separated by full-width commas `，` — YAML needs ASCII commas: "
                  "`tags: [专利, 商标]`"),
    ("专利，商标", "'tags' must be a list — write `tags: [专利, 商标]`"),
])
def test_full_width_brackets_and_commas_in_tags_say_what_to_write(make_site, written, message):
    site = make_site({REPORT: report(f"{GOOD_FRONT}tags: {written}\n")})
    assert errors_of(site) == [f"{REPORT}:4: {message}"]


def test_full_width_commas_in_as_found_excerpts_are_text(make_site):
    body = "据统计，，全市专利。\n"
    site = make_site({REPORT: report(f'{GOOD_FRONT}as_found: ["据统计，，"]\n', body)})
    build_out(site)
