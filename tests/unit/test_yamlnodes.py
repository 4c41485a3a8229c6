from pathlib import Path

from generator.source.yamlnodes import Mapping, Scalar, Seq, parse_yaml

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
    _, problems = parse_yaml("title: ok\nsummary: \"never closed\n", P, first_line=2)
    assert len(problems) == 1 and problems[0].line in (3, 4)
    _, problems = parse_yaml("title: ok\n\tdate: 2020\n", P, first_line=2)
    assert problems[0].line == 3 and "tabs" in problems[0].message


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
