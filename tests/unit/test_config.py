from generator.source.settings import SiteConfig, load_config

from conftest import write_files


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


def test_a_site_without_site_yaml_builds_with_defaults_and_a_warning(tmp_path):
    config, problems = load_config(tmp_path)
    assert config == SiteConfig()
    assert [p.warning for p in problems] == [True]
