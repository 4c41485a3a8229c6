"""generator/pages/links.py: links between reports, to pages and to attached files, as an
editor writes them relative to the Markdown file, resolved on every page that shows them."""
from __future__ import annotations

import shutil

from bs4 import BeautifulSoup

from generator.build.pipeline import BuildOptions, build
from tests.helpers import build_out, errors_of, report, tree_bytes

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def site_with_links(make_site):
    return make_site({
        "content/reports/a.md": report(
            "title: 甲\ndate: 2020-01-02\n",
            "[见另一篇](b-file.md#会议内容) [关于](../pages/about.md)\n\n"
            "![图](files/图一.png) [方案原件](files/plan.pdf)\n\n"
            "[年表](../archive/2020.html) [外](https://example.org/x.md)\n\n"
            "[引用式][r]\n\n[r]: b-file.md\n"),
        "content/reports/b-file.md": report("title: 乙\ndate: 2021\nslug: yi-report\n",
                                            "## 会议内容\n\n正文。\n"),
        "content/reports/files/图一.png": PNG,
        "content/reports/files/plan.pdf": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n",
        "content/pages/about.md": "---\ntitle: 关于\n---\n\n[首篇](../reports/a.md) "
                                  "![标志](files/logo.png)\n",
        "content/pages/files/logo.png": PNG,
    })


def links_on(out, page: str) -> list[tuple[str, str | None]]:
    soup = BeautifulSoup((out / page).read_bytes(), "html.parser")
    body = soup.select_one(".report-body") or soup.select_one("article")
    return [(tag.get_text() or tag.get("alt"), tag.get("href") or tag.get("src"))
            for tag in body.find_all(["a", "img"])]


def test_links_lead_to_the_pages_and_files_they_name(make_site):
    site = site_with_links(make_site)
    out = build_out(site).out_dir
    found = dict(links_on(out, "reports/a.html"))
    assert found["见另一篇"] == "yi-report.html#%E4%BC%9A%E8%AE%AE%E5%86%85%E5%AE%B9"
    assert found["关于"] == "../about/index.html"
    assert found["方案原件"] == "files/plan.pdf"
    assert found["图"] == "files/%E5%9B%BE%E4%B8%80.png"
    assert found["年表"] == "../archive/2020.html"  # not a file of the site: as written
    assert found["外"] == "https://example.org/x.md"
    assert found["引用式"] == "yi-report.html"
    about = dict(links_on(out, "about/index.html"))
    assert about == {"首篇": "../reports/a.html", "标志": "../files/logo.png"}
    # Every relative link leads to a file that is there, the anchor to its heading.
    assert (out / "reports/files/图一.png").read_bytes() == PNG
    assert (out / "reports/files/plan.pdf").is_file() and (out / "files/logo.png").is_file()
    target = BeautifulSoup((out / "reports/yi-report.html").read_bytes(), "html.parser")
    assert target.find(id="会议内容") is not None


def test_a_link_to_a_missing_report_or_file_is_an_error_at_its_line(make_site):
    site = make_site({"content/reports/a.md": report(
        "title: a\ndate: 2020\n", "正文。\n\n[丢失](no-such.md)\n\n![无图](files/none.png)\n")})
    assert errors_of(site) == [
        "content/reports/a.md:8: the link to 'no-such.md' leads to content/reports/no-such.md, "
        "which is not a report or page of this site — correct the file name, or link to the "
        "page's address (https://…)",
        "content/reports/a.md:10: the link to 'files/none.png' leads to "
        "content/reports/files/none.png, which is not there — put the file in "
        "content/reports/files/ or correct the link"]


def test_renaming_the_target_updates_the_link_incrementally(make_site, tmp_path):
    site = site_with_links(make_site)
    build(site, None, BuildOptions(search=False))
    b = site / "content/reports/b-file.md"
    b.write_text(b.read_text("utf-8").replace("slug: yi-report", "slug: yi-renamed"), "utf-8")
    build(site, None, BuildOptions(search=False))
    found = dict(links_on(site / "public", "reports/a.html"))
    assert found["引用式"] == "yi-renamed.html"
    # Byte for byte what a clean build makes.
    clean = tmp_path / "clean"
    shutil.copytree(site, clean, ignore=shutil.ignore_patterns("public", ".public*", ".cache"))
    build(clean, None, BuildOptions(search=False, use_cache=False))
    assert tree_bytes(site / "public") == tree_bytes(clean / "public")
    # Deleting an attached file a report shows is an error on the next build.
    (site / "content/reports/files/plan.pdf").unlink()
    assert any("plan.pdf" in e for e in errors_of(site))
