"""generator/serve/watch.py: which saves are seen (content/, templates/, static/ and
site.yaml, never the output), in process and end to end through `ipr-archive serve`."""
from __future__ import annotations

import queue
import re
import shutil

from generator.serve.watch import SourceWatcher
from tests.helpers import MINIMAL_REPORT
from tests.serve.serving import Server


def test_saves_are_told_relative_to_the_site_and_the_output_is_not_watched(make_site):
    site = make_site({"content/reports/a.md": MINIMAL_REPORT, "site.yaml": "title: 甲\n"})
    told: queue.SimpleQueue = queue.SimpleQueue()
    watcher = SourceWatcher(site, told.put, on_error=told.put)
    watcher.start()
    try:
        assert told.get(timeout=10) == ()  # both watches in place: build what came before
        (site / "public").mkdir()
        (site / "public/index.html").write_text("built", "utf-8")
        (site / ".cache").mkdir()
        (site / "content/reports/a.md").write_text(MINIMAL_REPORT + "\n又一段。\n", "utf-8")
        assert told.get(timeout=10) == ("content/reports/a.md",)
        (site / "site.yaml").write_text("title: 乙\n", "utf-8")
        assert told.get(timeout=10) == ("site.yaml",)
        (site / "templates/extra.html").write_text("{{ x }}", "utf-8")
        assert told.get(timeout=10) == ("templates/extra.html",)
    finally:
        watcher.stop()
    assert told.empty()


def test_settings_templates_and_new_reports_are_watched_too(real_site):
    with Server(real_site) as server:
        events = server.events()
        assert events.next()[0] == "hello"
        settings = real_site / "site.yaml"
        settings.write_text(re.sub(r"(?m)^title: .*$", "title: 预览中的新站名",
                                   settings.read_text("utf-8")), "utf-8")
        assert events.next()[0] == "reload"
        assert "预览中的新站名" in server.get("/")[2].decode()

        base = real_site / "templates/base.html"
        base.write_text(base.read_text("utf-8").replace("</footer>",
                                                        "<p>模板改动</p></footer>"), "utf-8")
        assert events.next()[0] == "reload"
        assert "模板改动" in server.get("/archive/")[2].decode()

        # Saved whole, as editors save (a file seen half-written is a problem until the rest
        # arrives, which a loaded machine can show).
        new = real_site.parent / "new-in-preview.md"  # outside the site, then moved in
        new.write_text("---\ntitle: 预览时新增的报告\ndate: 2024-05-01\nslug: new-in-preview\n"
                       "---\n\n正文。\n", "utf-8")
        new.rename(real_site / "content/reports/new-in-preview.md")
        assert events.next()[0] == "reload"
        assert "预览时新增的报告" in server.get("/")[2].decode()
        assert server.get("/reports/new-in-preview.html")[0] == 200

        css = real_site / "static/style.css"
        css.write_text(css.read_text("utf-8") + "\n/* 预览 */\n", "utf-8")
        assert events.next()[0] == "reload"
        assert "/* 预览 */" in server.get("/static/style.css")[2].decode()

        # A source folder taken away (the theme's files serve again) and put back is
        # watched again.
        shutil.move(real_site / "static", real_site / "static-aside")
        assert events.next()[0] == "reload"
        assert "/* 预览 */" not in server.get("/static/style.css")[2].decode()
        shutil.move(real_site / "static-aside", real_site / "static")
        assert events.next()[0] == "reload"
        css.write_text(css.read_text("utf-8") + "\n/* 再改 */\n", "utf-8")
        assert events.next()[0] == "reload"
        assert "/* 再改 */" in server.get("/static/style.css")[2].decode()
        events.close()
