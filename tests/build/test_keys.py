"""generator/build/keys.py: what each output and each rendered body is keyed by. A key must
change with everything its bytes are made from, and with nothing else."""
from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from pathlib import Path

from generator.build.keys import body_key, build_key_of, generator_fingerprint, output_key
from generator.source.content import parse_source
from generator.source.settings import SiteConfig
from tests.helpers import MINIMAL_REPORT, REPO


def report_of(text: str):
    report, problems = parse_source("report", Path("content/reports/a.md"), text.encode())
    assert report is not None, problems
    return report


def test_a_body_is_keyed_by_its_file_and_the_raw_html_setting_only():
    config = SiteConfig()
    report = report_of(MINIMAL_REPORT)
    key = body_key(report, config)
    assert body_key(report_of(MINIMAL_REPORT), config) == key
    assert body_key(report_of(MINIMAL_REPORT + "又一句。\n"), config) != key
    raw = dataclasses.replace(config, allow_raw_html=not config.allow_raw_html)
    assert body_key(report, raw) != key
    # A setting the body does not show leaves its rendered Markdown reusable.
    assert body_key(report, dataclasses.replace(config, title="另一个名字")) == key


def test_the_build_key_follows_the_settings_and_the_output_folder(tmp_path):
    config = SiteConfig()
    key = build_key_of(config, tmp_path / "public")
    assert build_key_of(SiteConfig(), tmp_path / "public") == key
    assert build_key_of(dataclasses.replace(config, title="另一个名字"), tmp_path / "public") != key
    assert build_key_of(config, tmp_path / "elsewhere") != key


def test_an_output_key_changes_with_each_of_its_parts():
    key = output_key("build", "template", "inputs")
    assert output_key("build", "template", "inputs") == key
    assert len({key, output_key("build2", "template", "inputs"),
                output_key("build", "template2", "inputs"),
                output_key("build", "template", "inputs2")}) == 4


def fingerprint_of(package_parent: Path) -> str:
    code = "from generator.build.keys import generator_fingerprint as f; print(f())"
    done = subprocess.run([sys.executable, "-c", code], cwd=package_parent,
                          env={"PYTHONPATH": str(package_parent), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_fingerprint_covers_the_code_of_every_subpackage(tmp_path):
    """An edit anywhere in the generator renders every page anew (a fingerprint of one
    folder's files would reuse pages a changed subpackage renders differently)."""
    copy = tmp_path / "copy"
    shutil.copytree(REPO / "generator", copy / "generator",
                    ignore=shutil.ignore_patterns("__pycache__"))
    first = fingerprint_of(copy)
    assert fingerprint_of(copy) == first and len(first) == 32
    for module in ("pages/plan.py", "source/dates.py", "build/writer.py", "errors.py"):
        path = copy / "generator" / module
        original = path.read_bytes()
        path.write_bytes(original + b"\n# an edit\n")
        assert fingerprint_of(copy) != first, module
        path.write_bytes(original)
    assert fingerprint_of(copy) == first


def test_the_fingerprint_is_read_once_per_process():
    assert generator_fingerprint() is generator_fingerprint()
