"""generator/source/refs.py: the links a body makes to Markdown files and attached files,
found with their lines, whatever form of link Markdown allows."""
from __future__ import annotations

from generator.source.refs import is_site_link, relative_refs


def test_every_form_of_link_is_found_at_its_line():
    body = ("[甲](a.md) ![图](files/x.png)\n"
            "[乙](<b c.md#锚> \"题\") [丙](d\\_e.md)\n"
            "[丁](f(1).md)\n\n"
            "[r]: ../pages/about.md\n"
            "   [s]:\n   <g&amp;h.md>\n")
    assert relative_refs(body, 10) == (
        ("a.md", 10), ("files/x.png", 10), ("b c.md#锚", 11), ("d_e.md", 11), ("f(1).md", 12),
        ("../pages/about.md", 14), ("g&h.md", 16))


def test_only_links_the_build_resolves_are_kept():
    assert is_site_link("other.md") and is_site_link("../pages/x.MD#a")
    assert is_site_link("files/plan.pdf") and is_site_link("../reports/files/a.png")
    for url in ("https://x.org/a.md", "mailto:a@b.c", "#小标题", "/abs.md", "../archive/2020.html",
                "report-000002.html", "", "?q=1"):
        assert not is_site_link(url), url
    assert relative_refs("没有链接的正文。", 1) == ()
