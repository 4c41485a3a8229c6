"""generator/authoring/lint.py: each kind of scraping artifact is found at its line, and
`as_found` excerpts acknowledge exactly the slips inside them."""
from __future__ import annotations

from pathlib import Path

import pytest

from generator.authoring.lint import lint_body
from generator.source.content import split_front_matter
from tests.helpers import REPO


def rules(body: str, **kwargs) -> list[tuple[int, str]]:
    return [(f.line, f.rule) for f in lint_body(body, **kwargs).findings]


def real_body(name: str) -> str:
    path = REPO / "content" / "reports" / name
    return split_front_matter(path.read_text("utf-8"), path)[1]


@pytest.mark.parametrize("text, rule", [
    ("据统计,,盐城市大丰区", "doubled-punctuation"),
    ("会议召开。。与会者", "doubled-punctuation"),
    ("会议召开，，与会者", "doubled-punctuation"),
    ("行动计划(2015?2020年)", "lost-character"),
    ("知识产权?战略", "lost-character"),
    ("第2015？2020年", "lost-character"),
    ("不可解码\ufffd的字", "mojibake"),
    ("锟斤拷锟斤拷", "mojibake"),
    ("烫烫烫烫", "mojibake"),
    ("çŸ¥è¯†äº§æƒ", "mojibake"),  # 知识产权 in UTF-8, read as Windows-1252
    ("打印本页", "page-chrome"),
    ("关闭窗口", "page-chrome"),
    ("【字体：大 中 小】", "page-chrome"),
    ("[打印] [关闭]", "page-chrome"),
    ("会议&nbsp;召开", "html-entity"),
    ("会议&#12290;召开", "html-entity"),
    ("会议&ldquo;召开", "html-entity"),
    ("会议召开,与会者", "ascii-punctuation"),
    ("会议召开;与会者", "ascii-punctuation"),
    ("更新时间:高考猫", "ascii-punctuation"),
    ("试点县(市、区)", "ascii-punctuation"),
])
def test_each_kind_of_artifact_is_found(text, rule):
    assert rule in [r for _, r in rules(text)]


@pytest.mark.parametrize("text", [
    "会议召开，与会者五十余人参加会议。",
    "泛珠三角区域“9+2”各方代表共50余人。",
    "万人有效发明专利拥有量为4.32件……",
    "会议——这是破折号——结束。",
    "见[会议纪要](https://example.org/a?b=1&amp;c=2)和`a,,b`。",
    "如图![图](a.png)所示，详见<https://example.org/?q=1>。",
    "Hello, world; it works: fine (really)?",
    "```\n代码,,里的?不算\n```",
])
def test_clean_text_and_markup_are_left_alone(text):
    assert rules(text) == []


def test_lines_are_counted_from_the_first_line_given():
    body = "第一段正文。\n\n第二段,,有错,真的。\n\n第三段。"
    # The doubled pair is one finding, not also two stray commas; the third comma is.
    assert rules(body, first_line=15) == [(17, "doubled-punctuation"),
                                          (17, "ascii-punctuation")]


def test_one_finding_per_line_for_ascii_punctuation_with_counts():
    finding, = lint_body("甲,乙,丙;丁").findings
    assert finding.rule == "ascii-punctuation"
    assert "',' ×2" in finding.message and "';'" in finding.message
    assert "'，'" in finding.message  # says what to write instead
    assert len(finding.spans) == 3


def test_a_lost_character_is_not_also_stray_ascii():
    assert rules("计划(2015?2020年)") == [(1, "ascii-punctuation"), (1, "lost-character")]
    finding = [f for f in lint_body("计划(2015?2020年)").findings if f.rule == "ascii-punctuation"]
    assert "'?'" not in finding[0].message


def test_repeated_paragraph_names_the_first_one():
    paragraph = "会议充分肯定该区知识产权工作取得的成绩。"
    body = f"{paragraph}\n\n另一段。\n\n{paragraph}"
    finding, = lint_body(body, first_line=10).findings
    assert (finding.line, finding.rule) == (14, "repeated-paragraph")
    assert "line 10" in finding.message


def test_short_repeated_lines_are_not_flagged():
    assert rules("附件\n\n正文一。\n\n附件") == []


def test_the_seed_slips_are_found_at_their_file_lines():
    from generator.authoring.check import body_first_line

    for name, rule, slip in (("dafeng-ip-joint-meeting.md", "doubled-punctuation", ",,"),
                             ("zhejiang-ip-joint-meeting-hangzhou.md", "lost-character",
                              "2015?2020")):
        lines = (REPO / "content" / "reports" / name).read_text("utf-8").split("\n")
        first = body_first_line("\n".join(lines))
        found = [f.line for f in lint_body(real_body(name), first).findings if f.rule == rule]
        assert found == [next(n for n, line in enumerate(lines, 1)
                              if n >= first and slip in line)]


def test_as_found_acknowledges_only_what_lies_inside_an_excerpt():
    body = "据统计,,盐城市。\n\n另据统计,,某地。"
    # The excerpt covers the first ",," only; the second is a slip of its own.
    result = lint_body(body, as_found=("据统计,,盐城",))
    assert [(f.line, f.rule) for f in result.findings if f.rule == "doubled-punctuation"] \
        == [(3, "doubled-punctuation")]
    assert result.acknowledged >= 1
    # A single comma acknowledges single commas, never the doubled pair.
    result = lint_body("甲,乙,,丙", as_found=(",",))
    assert [f.rule for f in result.findings] == ["doubled-punctuation"]
    assert result.acknowledged == 1


def test_acknowledged_ascii_punctuation_keeps_the_rest_of_the_line():
    finding, = lint_body("甲,乙;丙", as_found=(",",)).findings
    assert "';'" in finding.message and "','" not in finding.message


def test_the_archived_reports_acknowledge_all_their_slips():
    from generator.source.content import load_content

    content, problems = load_content(REPO)
    assert not [p for p in problems if not p.warning]
    for report in content.reports:
        assert report.as_found, f"{report.src_path} lists no as_found excerpts"
        result = lint_body(report.body, as_found=report.as_found)
        assert result.findings == (), f"{report.src_path}: {result.findings}"
        assert result.acknowledged > 0
        # Without them, the same slips are warned about.
        assert lint_body(report.body).findings


def test_lint_reads_nothing_but_its_argument(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    lint_body("据统计,,")
    assert list(Path(tmp_path).iterdir()) == []


def test_the_placeholder_of_a_new_report_is_a_finding_of_its_own():
    from generator.authoring.new import NewReport, report_text

    text = report_text(NewReport("标题", "2024-05-10", "x"))
    body = split_front_matter(text, Path("x.md"))[1]
    finding, = lint_body(body, first_line=15).findings
    assert (finding.line, finding.rule) == (15, "placeholder")
    assert "ipr-archive new" in finding.message
