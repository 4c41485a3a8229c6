"""Screenshots of the real site for the README: the home page and a report, phone and desktop.

    python3 scripts/screenshots.py [--out docs/screenshots]

Builds this repository's site into a temporary folder (nothing is written into the
repository but the PNG files) and opens it from disk in headless Chromium, the browser
`bash tests/setup.sh` installs. Writes home-phone.png, home-desktop.png, report-phone.png
and report-desktop.png, each of the full page.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the generator in this checkout, installed or not

from generator.build.pipeline import BuildOptions, build  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
SIZES = {"phone": (375, 812), "desktop": (1280, 900)}


def take_screenshots(out_dir: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    written = []
    with tempfile.TemporaryDirectory(prefix="ipr-archive-shots-") as tmp:
        site = Path(tmp) / "public"
        build(REPO, site, BuildOptions(use_cache=False, jobs=1))
        home = (site / "index.html").as_uri()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            for size, (width, height) in SIZES.items():
                context = browser.new_context(viewport={"width": width, "height": height},
                                              is_mobile=size == "phone",
                                              has_touch=size == "phone",
                                              color_scheme="light")
                page = context.new_page()
                page.goto(home)
                report = page.locator("main a[href*='reports/']").first.get_attribute("href")
                for name, url in (("home", home), ("report", f"{home.rsplit('/', 1)[0]}/{report}")):
                    page.goto(url)
                    path = out_dir / f"{name}-{size}.png"
                    page.screenshot(path=str(path), full_page=True)
                    written.append(path)
                context.close()
            browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots",
                        help="folder for the PNG files (default: docs/screenshots)")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing — run `bash tests/setup.sh` first", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    for path in take_screenshots(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
