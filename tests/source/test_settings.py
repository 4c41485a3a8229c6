"""generator/source/settings.py: site.yaml into a SiteConfig, each setting declared once."""
from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

import pytest

from generator.source.settings import SETTINGS, SiteConfig, load_config, settings_table
from tests.helpers import REPO, write_files


def test_settings_are_read_and_base_url_gets_a_trailing_slash(tmp_path):
    write_files(tmp_path, {"site.yaml": "title: 档案\nbase_url: https://example.org/archive\n"
                                        "page_size: 5\nallow_raw_html: true\n"})
    config, problems = load_config(tmp_path)
    assert problems == []
    assert config == SiteConfig(title="档案", base_url="https://example.org/archive/",
                                page_size=5, allow_raw_html=True,
                                description=SiteConfig().description)


def test_every_bad_setting_is_reported_with_its_line(tmp_path):
    write_files(tmp_path, {"site.yaml": "title: 2024\nbase_url: example.org\npage_size: 0\n"
                                        "allow_raw_html: yes\nlanguage: 中文\ncolour: red\n"})
    config, problems = load_config(tmp_path)
    assert sorted((p.line, p.warning) for p in problems) == [
        (1, False), (2, False), (3, False), (4, False), (5, False), (6, True)]
    assert config.allow_raw_html is False and config.base_url is None


def test_a_site_without_site_yaml_builds_with_defaults_and_one_warning(tmp_path):
    config, problems = load_config(tmp_path)
    assert config == SiteConfig()
    assert [str(p) for p in problems] == [
        f"{tmp_path / 'site.yaml'}: warning: no site.yaml, so the build uses the defaults and, "
        "without a base_url, leaves out the Atom feed, the sitemap and permanent URLs — add a "
        "site.yaml with `base_url: https://…/` to have them"]


def messages(tmp_path, text: str) -> list[str]:
    write_files(tmp_path, {"site.yaml": text})
    return sorted(str(p).removeprefix(f"{tmp_path / 'site.yaml'}:") for p in
                  load_config(tmp_path)[1])


def test_each_bad_value_says_what_to_write_instead(tmp_path):
    assert messages(tmp_path, "title: 2024\nbase_url: example.org\npage_size: 0\n"
                              "allow_raw_html: yes\nlanguage: 中文\ncolour: red\n") == [
        "1: 'title' must be text, but YAML reads '2024' as a number — put it in quotes: "
        "`title: \"2024\"`",
        "2: base_url 'example.org' is not an absolute http(s) URL — write e.g. "
        "`base_url: https://example.org/archive/`",
        "3: 'page_size' must be a whole number from 1 to 1000, not '0'",
        "4: 'allow_raw_html' must be true or false, not 'yes' — write `allow_raw_html: true` "
        "or `allow_raw_html: false`",
        "5: language '中文' is not a language tag — write e.g. `language: zh-CN`",
        "6: warning: unknown field 'colour' in site.yaml is ignored — known fields: title, "
        "description, base_url, language, page_size, allow_raw_html, search, footer, "
        "publisher, contact_email, oai_gateway, world_ip_day_index, world_ip_day_label, "
        "world_ip_day_words, world_ip_day_fields",
    ]


def test_the_world_ip_day_rule_is_read_as_lists(tmp_path):
    write_files(tmp_path, {"site.yaml": "world_ip_day_words: [世界知识产权日, 4·26]\n"
                                        "world_ip_day_fields: [title, summary]\n"})
    config, problems = load_config(tmp_path)
    assert problems == []
    assert config.world_ip_day_words == ("世界知识产权日", "4·26")
    assert config.world_ip_day_fields == ("title", "summary")


@pytest.mark.parametrize("text, message", [
    ("world_ip_day_fields: [title, body]\n",
     "1: world_ip_day_fields may name only title, tags, summary, not 'body' — write e.g. "
     "`world_ip_day_fields: [title, tags, summary]`"),
    ("world_ip_day_words: []\n",
     "1: world_ip_day_words is empty — write at least one, e.g. "
     "`world_ip_day_words: [世界知识产权日]`"),
    ("world_ip_day_words: 世界知识产权日\n",
     "1: 'world_ip_day_words' must be a list — write `world_ip_day_words: [世界知识产权日]`"),
])
def test_a_bad_world_ip_day_rule_says_what_to_write(tmp_path, text, message):
    assert messages(tmp_path, text) == [message]


def test_empty_values_take_the_defaults(tmp_path):
    write_files(tmp_path, {"site.yaml": "title: ''\ndescription:\nbase_url:\nlanguage: ''\n"
                                        "page_size:\nallow_raw_html:\nsearch:\n"})
    assert load_config(tmp_path) == (SiteConfig(), [])


def test_page_size_bounds_and_search_off(tmp_path):
    write_files(tmp_path, {"site.yaml": "page_size: 1000\nsearch: false\nlanguage: en-GB\n"})
    config, problems = load_config(tmp_path)
    assert problems == []
    assert (config.page_size, config.search, config.language) == (1000, False, "en-GB")
    assert messages(tmp_path, "page_size: 1001\n") == [
        "1: 'page_size' must be a whole number from 1 to 1000, not '1001'"]


def test_the_declarations_are_the_config_and_its_defaults():
    """SiteConfig's fields, in order, are the settings; the build key hashes its repr, so
    a renamed or reordered field would rebuild every page of every site."""
    assert [s.name for s in SETTINGS] == [f.name for f in dataclasses.fields(SiteConfig)]
    assert {s.name: s.default for s in SETTINGS} == dataclasses.asdict(SiteConfig())
    assert repr(SiteConfig()) == (
        "SiteConfig(title='知识产权报告档案', description='知识产权联席会议总结、世界知识产权日"
        "活动方案等报告的档案。', base_url=None, language='zh-CN', page_size=20, "
        "allow_raw_html=False, search=True, footer='报告原文照录，保留来源中的错漏，不作改动。', "
        "publisher=None, contact_email=None, oai_gateway=None, world_ip_day_index=True, "
        "world_ip_day_label='世界知识产权日', world_ip_day_words=('世界知识产权日',), "
        "world_ip_day_fields=('title', 'tags'))")
    assert all(s.doc and s.check.kind for s in SETTINGS)


def table_in_docs() -> str:
    lines = (REPO / "docs" / "settings.md").read_text("utf-8").splitlines(keepends=True)
    start = lines.index(settings_table().splitlines(keepends=True)[0])
    end = next((n for n in range(start, len(lines)) if not lines[n].startswith("|")),
               len(lines))
    return "".join(lines[start:end])


def test_docs_settings_md_shows_the_declared_settings():
    assert table_in_docs() == settings_table(), (
        "docs/settings.md and generator/source/settings.py disagree: replace the table "
        "with the output of `python3 -m generator.source.settings --markdown`")


def test_the_table_names_each_setting_its_type_and_default():
    rows = [row.split(" | ") for row in settings_table().splitlines()[2:]]
    assert [row[0].strip("| `") for row in rows] == [s.name for s in SETTINGS]
    assert rows[2][1:3] == ["http(s) URL", "none"]  # base_url: unset by default
    assert rows[4][1:3] == ["whole number, 1 to 1000", "`20`"]
    assert rows[5][1:3] == ["true or false", "`false`"]


def test_the_table_is_printed_for_the_docs():
    env = dict(os.environ, PYTHONPATH=str(REPO))  # the checkout, not an installed copy
    done = subprocess.run([sys.executable, "-m", "generator.source.settings", "--markdown"],
                          capture_output=True, text=True, encoding="utf-8", env=env)
    assert (done.returncode, done.stdout, done.stderr) == (0, settings_table(), "")
    done = subprocess.run([sys.executable, "-m", "generator.source.settings"],
                          capture_output=True, text=True, encoding="utf-8", env=env)
    assert done.returncode == 1 and "--markdown" in done.stderr


def test_site_text_comes_from_site_yaml(make_site):
    """The footer's statement, the publisher in citations and the 世界知识产权日 menu item
    are settings, not template text."""
    from bs4 import BeautifulSoup

    from generator.build.pipeline import BuildOptions, build
    from tests.helpers import report

    site = make_site({
        "site.yaml": "title: 某档案\nfooter: 本站资料仅供研究。\npublisher: 某研究所\n"
                     "world_ip_day_label: 4·26 专题\n",
        "content/reports/a.md": report("title: 甲报告\ndate: 2024-04-26\n"),
        "content/links.yaml": "- title: 关于开展2024年世界知识产权日宣传活动的方案\n"})
    build(site, site / "public", BuildOptions(search=False, jobs=1))
    page = BeautifulSoup((site / "public/reports/a.html").read_text("utf-8"), "html.parser")
    assert page.select_one("footer p").get_text(strip=True) == "某档案 · 本站资料仅供研究。"
    assert "某研究所. 甲报告[EB/OL]" in page.get_text()
    menu = [a.get_text(strip=True) for a in page.select("header nav a")]
    assert "4·26 专题" in menu and "世界知识产权日" not in menu


def test_the_world_ip_day_index_can_be_left_out(make_site):
    from bs4 import BeautifulSoup

    from generator.build.pipeline import BuildOptions, build
    from tests.helpers import report

    site = make_site({
        "site.yaml": "world_ip_day_index: false\n",
        "content/reports/a.md": report("title: 甲报告\ndate: 2024-04-26\n"),
        "content/links.yaml": "- title: 关于开展2024年世界知识产权日宣传活动的方案\n"})
    build(site, site / "public", BuildOptions(search=False, jobs=1))
    out = site / "public"
    assert not (out / "world-ip-day").exists()
    for path in out.rglob("*.html"):
        links = [a["href"] for a in BeautifulSoup(path.read_text("utf-8"),
                                                  "html.parser").select("a[href]")]
        assert not [h for h in links if "world-ip-day" in h], path


def test_contact_email_and_the_oai_gateway_are_checked(tmp_path):
    assert messages(tmp_path, "contact_email: 某人\noai_gateway: gateway.example.org\n") == [
        "1: contact_email '某人' is not an email address — write e.g. "
        "`contact_email: archive@example.org`",
        "2: oai_gateway 'gateway.example.org' is not an absolute http(s) URL — write e.g. "
        "`oai_gateway: https://example.org/archive/`"]
    write_files(tmp_path, {"site.yaml": "contact_email: a@example.org\n"
                                        "oai_gateway: https://gw.example.net/oai\n"})
    config, problems = load_config(tmp_path)
    assert problems == []
    assert (config.contact_email, config.oai_gateway) == ("a@example.org",
                                                          "https://gw.example.net/oai/")
