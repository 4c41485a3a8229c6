"""generator/pages/downloads.py: each report's citation (RIS, BibTeX, CSL-JSON), reports.csv
and datapackage.json, read back with the parsers their users use: rispy, bibtexparser,
citeproc-py, Python's csv module and frictionless."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import bibtexparser
import pytest
import rispy
from bibtexparser.middlewares import LatexDecodingMiddleware
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle
from citeproc import formatter as citeproc_formatter
from citeproc.source.json import CiteProcJSON

from generator import urls
from generator.pages.downloads import (
    COLUMNS,
    bibtex,
    csl_json,
    datapackage,
    reports_csv_of_lines,
    ris,
)
from generator.pages.feeds import report_line
from generator.pages.site import ReportCard
from generator.source.content import Report, Source
from generator.source.dates import parse_date
from generator.source.settings import SiteConfig
from tests.helpers import build_out, parse, report

BASE = "https://example.org/archive/"
CONFIG = SiteConfig(title="档案", base_url=BASE, publisher="某某档案馆")
PLAIN = SiteConfig(title="档案")
# What an editor might type, or a scraped page might hold: markup, quotes, TeX's special
# characters, braces that do and do not pair up.
HOSTILE = "<script>alert(\"x\")</script> 'q' {甲} 50% a\\b & #1 $2 _x ~y"
LONE_BRACES = "a } b { c"


def make_report(slug="r", date="2015-06-18", title="标题", tags=("专利", "商标"),
                place="江苏省南京市", summary="一句话。", source=None) -> Report:
    return Report(Path(f"{slug}.md"), slug, title, parse_date(date), "正文。\n", place=place,
                  region="江苏省", tags=tags, summary=summary, source=source,
                  body_sha256="0" * 64)


def card(**fields) -> ReportCard:
    return ReportCard.of(make_report(**fields))


# --- RIS -------------------------------------------------------------------------------


@pytest.mark.parametrize("date, year, da", [
    ("2015-06-18", "2015", "2015/06/18/"),
    ("2015-06", "2015", "2015/06//"),
    ("2015", "2015", "2015///"),
    ("2024-04-26?", "2024", "2024/04/26/存疑"),
    ("XXXX-05-10", None, "///5月10日（年份不详）"),
])
def test_ris_gives_the_date_as_far_as_it_is_known(date, year, da):
    [entry] = rispy.loads(ris(CONFIG, card(date=date)).decode("utf-8"))
    assert entry.get("year") == year
    assert entry["date"] == da


def test_ris_names_the_archive_the_title_keywords_and_the_url():
    [entry] = rispy.loads(ris(CONFIG, card()).decode("utf-8"))
    assert entry["type_of_reference"] == "ELEC"
    assert entry["title"] == "标题"
    assert entry["publisher"] == "某某档案馆"
    assert entry["secondary_title"] == "档案"
    assert entry["keywords"] == ["专利", "商标", "江苏省南京市"]  # the tags, then the place
    assert entry["abstract"] == "一句话。"
    assert entry["language"] == "zh-CN"
    assert entry["urls"] == [BASE + "reports/r.html"]


def test_ris_has_no_url_without_a_base_url():
    [entry] = rispy.loads(ris(PLAIN, card()).decode("utf-8"))
    assert "urls" not in entry
    assert entry["publisher"] == "档案"  # no publisher set: the site's title


def test_a_title_cannot_end_the_ris_reference_or_start_another():
    title = f"{HOSTILE}\nER  - \r\nTY  - JOUR\u2028TI  - 假"
    data = ris(CONFIG, card(title=title, tags=("a\nKW  - b",))).decode("utf-8")
    [entry] = rispy.loads(data)
    assert entry["title"] == f"{HOSTILE} ER  -  TY  - JOUR TI  - 假"  # each break a space
    assert entry["keywords"] == ["a KW  - b", "江苏省南京市"]
    assert data.count("\r\n") == len(data.splitlines())  # CRLF, one field a line


# --- BibTeX ----------------------------------------------------------------------------


def read_bibtex(data: bytes, decode: bool = False) -> dict[str, str]:
    middleware = [LatexDecodingMiddleware()] if decode else []
    library = bibtexparser.parse_string(data.decode("utf-8"), append_middleware=middleware)
    assert library.failed_blocks == []
    [entry] = library.entries
    assert entry.entry_type == "misc" and entry.key == "r"
    return {field.key: field.value for field in entry.fields}


@pytest.mark.parametrize("date, year, month, note", [
    ("2015-06-18", "2015", "jun", None),
    ("2015-06", "2015", "jun", None),
    ("2015", "2015", None, None),
    ("2024-04-26?", "2024", "apr", "日期存疑"),
    ("XXXX-05-10", None, None, "日期：5月10日（年份不详）"),
])
def test_bibtex_has_a_year_and_month_only_when_known(date, year, month, note):
    fields = read_bibtex(bibtex(CONFIG, card(date=date)))
    assert (fields.get("year"), fields.get("month"), fields.get("note")) == (year, month, note)


def test_bibtex_names_the_archive_the_title_keywords_and_the_url():
    fields = read_bibtex(bibtex(CONFIG, card()))
    assert fields["title"] == "标题"
    assert fields["publisher"] == "某某档案馆"
    assert fields["howpublished"] == "档案"
    assert fields["keywords"] == "专利, 商标, 江苏省南京市"
    assert fields["url"] == BASE + "reports/r.html"
    assert "url" not in read_bibtex(bibtex(PLAIN, card()))


@pytest.mark.parametrize("title", [HOSTILE, "多行\n标题", "} 提前结束 {", "@misc{x, title={y}}"])
def test_a_hostile_title_stays_one_field_of_one_entry(title):
    data = bibtex(CONFIG, card(title=title, summary="摘要 100%"))
    fields = read_bibtex(data)
    # Every field after the title is still there, whole: the title did not end early.
    assert fields["publisher"] == "某某档案馆" and fields["abstract"] == r"摘要 100\%"
    # Braces pair up, as BibTeX itself requires, whatever the title holds.
    text = data.decode("utf-8")
    assert text.count("{") == text.count("}")


def test_tex_readers_get_the_title_back_verbatim():
    fields = read_bibtex(bibtex(CONFIG, card(title=HOSTILE)), decode=True)
    assert fields["title"] == HOSTILE


def test_a_lone_brace_is_spelled_out_so_bibtex_counts_no_brace():
    text = bibtex(CONFIG, card(title=LONE_BRACES)).decode("utf-8")
    assert r"a \textbraceright{} b \textbraceleft{} c" in text
    assert read_bibtex(text.encode())["title"] == r"a \textbraceright{} b \textbraceleft{} c"


# --- CSL-JSON --------------------------------------------------------------------------


def render_csl(data: bytes) -> str:
    """The reference as citeproc-py formats it in the Harvard style it ships."""
    items = json.loads(data)
    source = CiteProcJSON(items)
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(style, source, citeproc_formatter.plain)
    bibliography.register(Citation([CitationItem(items[0]["id"])]))
    [entry] = bibliography.bibliography()
    return str(entry)


@pytest.mark.parametrize("date, issued, shown", [
    ("2015-06-18", {"date-parts": [[2015, 6, 18]]}, "2015"),
    ("2015-06", {"date-parts": [[2015, 6]]}, "2015"),
    ("2015", {"date-parts": [[2015]]}, "2015"),
    ("2024-04-26?", {"date-parts": [[2024, 4, 26]], "circa": True}, "2024"),
    ("XXXX-05-10", {"literal": "5月10日（年份不详）"}, "5月10日（年份不详）"),
])
def test_csl_json_dates_hold_only_the_known_parts(date, issued, shown):
    data = csl_json(CONFIG, card(date=date))
    [item] = json.loads(data)
    assert item["issued"] == issued
    text = render_csl(data)
    assert shown in text and "标题" in text and "某某档案馆" in text


def test_csl_json_names_the_archive_keywords_and_the_url():
    [item] = json.loads(csl_json(CONFIG, card()))
    assert item["type"] == "webpage" and item["id"] == "r"
    assert item["container-title"] == "档案" and item["publisher"] == "某某档案馆"
    assert item["keyword"] == "专利, 商标, 江苏省南京市"
    assert item["URL"] == BASE + "reports/r.html"
    assert "URL" not in json.loads(csl_json(PLAIN, card()))[0]
    assert BASE + "reports/r.html" in render_csl(csl_json(CONFIG, card()))


def test_a_hostile_title_stays_text_in_csl_json():
    data = csl_json(CONFIG, card(title=HOSTILE + "\n第二行"))
    assert json.loads(data)[0]["title"] == HOSTILE + "\n第二行"
    assert "<script>" in render_csl(data)  # plain text: the formatter writes no markup


# --- reports.csv and datapackage.json --------------------------------------------------


def read_csv(data: bytes) -> list[dict[str, str]]:
    assert data.startswith("\ufeff".encode())  # the BOM spreadsheets need for Chinese
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_the_csv_has_every_field_of_reports_json_one_row_a_report():
    source = Source(site="高考猫", page_title="页", section="栏", url="https://e.org/a",
                    retrieved=parse_date("2024-01-02"))
    reports = [make_report("a", title=HOSTILE + "\n第二行", source=source),
               make_report("b", date="XXXX-05-10?", tags=(), place=None, summary=None)]
    lines = [report_line(CONFIG, r) for r in reports]
    rows = read_csv(reports_csv_of_lines(lines))
    assert list(rows[0]) == [name for name, _, _ in COLUMNS]
    first = json.loads(lines[0])
    assert rows[0] == {
        "slug": "a", "title": HOSTILE + "\n第二行", "date": "2015-06-18",
        "date_uncertain": "false", "place": "江苏省南京市", "region": "江苏省",
        "tags": "专利/商标", "summary": "一句话。", "source_site": "高考猫",
        "source_page_title": "页", "source_section": "栏", "source_url": "https://e.org/a",
        "source_retrieved": "2024-01-02", "body_sha256": first["body_sha256"],
        "path": "reports/a.html", "url": BASE + "reports/a.html"}
    assert rows[1]["date"] == "XXXX-05-10" and rows[1]["date_uncertain"] == "true"
    assert (rows[1]["tags"], rows[1]["place"], rows[1]["summary"], rows[1]["source_site"]) \
        == ("", "", "", "")


def test_the_data_package_describes_every_column_of_the_csv():
    package = json.loads(datapackage(CONFIG))
    csv_resource, json_resource = package["resources"]
    assert csv_resource["path"] == "reports.csv" and json_resource["path"] == "reports.json"
    assert [f["name"] for f in csv_resource["schema"]["fields"]] == [n for n, _, _ in COLUMNS]
    assert all(f["description"] for f in csv_resource["schema"]["fields"])
    assert package["homepage"] == BASE and "homepage" not in json.loads(datapackage(PLAIN))


# --- In a built site -------------------------------------------------------------------

DATES = {"a": "2015-06-18", "b": "2015", "c": "XXXX-05-10", "d": "2024-04-26?"}


@pytest.fixture
def built(make_site) -> Path:
    files: dict[str, str | bytes] = {
        f"content/reports/{slug}.md": report(
            f"title: {json.dumps(HOSTILE + slug)}\ndate: {date}\nplace: 南京\n"
            f"tags: [专利, {json.dumps('<b>' + slug)}]\nsummary: 摘要。\n"
            "source:\n  site: 高考猫\n  url: https://e.org/x\n")
        for slug, date in DATES.items()}
    files["site.yaml"] = f"title: 档案\nbase_url: {BASE}\ncontact_email: a@example.org\n"
    site = make_site(files)
    result = build_out(site)
    assert result.warnings == ()
    return site.parent / f"{site.name}-out"


def test_each_report_page_offers_its_citations_beside_the_gbt_text(built):
    for slug, date in DATES.items():
        page = parse(built / "reports" / f"{slug}.html")
        cite = page.select_one("section.cite")
        assert cite.select_one("#citation") is not None  # the GB/T 7714 text, as before
        links = cite.select(".cite-downloads a")
        assert "下载引文" in cite.select_one(".cite-downloads").get_text()
        assert [a.get_text() for a in links] == ["RIS", "BibTeX", "CSL-JSON"]
        files = [built / "reports" / a["href"] for a in links]
        [ris_entry] = rispy.load(files[0], encoding="utf-8")
        assert ris_entry["title"] == HOSTILE + slug
        bib_fields = read_bibtex(files[1].read_bytes().replace(f"{{{slug},".encode(),
                                                               b"{r,", 1), decode=True)
        assert bib_fields["title"] == HOSTILE + slug
        [csl_item] = json.loads(files[2].read_bytes())
        assert csl_item["title"] == HOSTILE + slug
        assert HOSTILE + slug in render_csl(files[2].read_bytes())
        year = date[:4]
        if year == "XXXX":  # never a year the source does not give
            assert "year" not in bib_fields and "year" not in ris_entry
            assert "date-parts" not in csl_item["issued"]
        else:
            assert ris_entry["year"] == year == bib_fields["year"]
            assert csl_item["issued"]["date-parts"][0][0] == int(year)


def test_every_page_links_the_data_page_which_explains_each_column(built):
    for page_path in ("index.html", "reports/a.html", "tags/index.html"):
        footer = parse(built / page_path).select_one("footer")
        [link] = [a for a in footer.select("a") if a.get_text() == "数据下载"]
        assert (built / page_path).parent.joinpath(link["href"]).resolve() == \
            (built / urls.DATA).resolve()
    page = parse(built / urls.DATA)
    hrefs = {a.get_text(): a["href"] for a in page.select("ul.downloads a")}
    assert set(hrefs) == {"reports.csv", "reports.json", "datapackage.json", "oai.xml"}
    assert all((built / "data" / href).resolve().is_file() for href in hrefs.values())
    rows = {row.th.get_text(): row.select("td")[-1].get_text()
            for row in page.select("table.columns tbody tr")}
    assert rows == {name: description for name, _, description in COLUMNS}


def test_the_csv_reads_as_reports_json_does(built):
    rows = read_csv((built / "reports.csv").read_bytes())
    items = json.loads((built / "reports.json").read_text("utf-8"))["reports"]
    assert [row["slug"] for row in rows] == [item["slug"] for item in items]
    for row, item in zip(rows, items, strict=True):
        assert row["title"] == item["title"] and row["date"] == item["date"]
        assert row["tags"].split("/") == item["tags"]
        assert row["source_url"] == item["source"]["url"]
        assert row["body_sha256"] == item["body_sha256"]


def test_frictionless_finds_the_data_package_valid(built):
    from frictionless import validate

    result = validate(built / "datapackage.json")
    assert result.valid, result.flatten(["type", "note"])
    assert [task.name for task in result.tasks] == ["reports-csv", "reports-json"]
    assert result.tasks[0].stats["rows"] == len(DATES)


def test_the_frictionless_command_finds_the_data_package_valid(built):
    # As a user runs it: `frictionless validate datapackage.json` in the downloaded folder.
    done = subprocess.run([sys.executable, "-m", "frictionless", "validate", "--json",
                           "datapackage.json"], cwd=built, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["valid"] is True


def test_frictionless_sees_a_broken_csv(built):
    # The check has teeth: a row that breaks the schema is reported.
    from frictionless import validate

    data = (built / "reports.csv").read_bytes().replace(b",2015-06-18,", b",June 2015,", 1)
    (built / "reports.csv").write_bytes(data)
    result = validate(built / "datapackage.json")
    assert not result.valid
    assert sorted({e[0] for e in result.flatten(["type"])}) == ["constraint-error"]
