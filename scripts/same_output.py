"""Check that two versions of the generator write byte-identical sites.

Builds this repository's own site and a generated benchmark corpus with the generator as
it is at a git revision (default: HEAD) and as it is in the work tree, each from its own
clean copy of the same input, and compares the two output trees file by file. For
refactors that must change nothing a reader or a downloader can see.

    python scripts/same_output.py --base 12af7a5 --reports 10000
"""
from __future__ import annotations

import argparse
import filecmp
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.corpus import write_corpus  # noqa: E402


def build(code: Path, site: Path, out: Path) -> None:
    """Build `site` into `out` with the generator package found in `code`."""
    env = dict(os.environ, PYTHONPATH=str(code))
    subprocess.run([sys.executable, "-m", "generator", "build", "--site", str(site),
                    "--out", str(out), "--quiet", "--no-cache"], env=env, check=True)


def set_setting(path: Path, line: str) -> None:
    """Put `name: value` in a site.yaml, in place of the setting's line if it has one."""
    name = line.split(":", 1)[0]
    text = path.read_text("utf-8") if path.exists() else ""
    text, found = re.subn(rf"(?m)^{re.escape(name)}:.*$", line, text)
    path.write_text(text if found else text + line + "\n", "utf-8")


def differences(a: Path, b: Path) -> list[str]:
    """Paths, relative to the two roots, that are missing on one side or differ."""
    found = []
    for left, _, names in os.walk(a):
        for name in names:
            rel = Path(left, name).relative_to(a)
            if not (b / rel).is_file():
                found.append(f"only in the base: {rel}")
            elif not filecmp.cmp(a / rel, b / rel, shallow=False):
                found.append(f"differs: {rel}")
    for left, _, names in os.walk(b):
        for name in names:
            rel = Path(left, name).relative_to(b)
            if not (a / rel).exists():
                found.append(f"only in the work tree: {rel}")
    return sorted(found)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="HEAD", help="git revision to compare with")
    parser.add_argument("--reports", type=int, default=10_000,
                        help="reports in the generated corpus (0: the real site only)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="same-output-") as tmp:
        work = Path(tmp)
        base = work / "base"
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(base),
                        args.base], check=True, capture_output=True)
        try:
            # (site root, a setting put in its site.yaml): base_url adds the feed, the
            # sitemap and absolute URLs
            sites = {"real site": (REPO, ""),
                     "real site with base_url": (REPO, "base_url: https://example.org/ipr/")}
            if args.reports:
                sites[f"{args.reports} reports"] = (write_corpus(args.reports, work / "corpus"),
                                                    "")
            failed = False
            for name, (site, extra) in sites.items():
                outputs = []
                for side, code in (("base", base), ("tree", REPO)):
                    copy = work / f"{side}-site"
                    shutil.rmtree(copy, ignore_errors=True)
                    shutil.copytree(site, copy, ignore=shutil.ignore_patterns(
                        ".git", "public", ".public*", ".cache", "node_modules"))
                    if extra:
                        set_setting(copy / "site.yaml", extra)
                    build(code, copy, work / f"{side}-out-{len(outputs)}-{name}")
                    outputs.append(work / f"{side}-out-{len(outputs)}-{name}")
                found = differences(*outputs)
                files = sum(len(f) for _, _, f in os.walk(outputs[1]))
                print(f"{name}: {files} files, {len(found)} differ")
                for line in found[:20]:
                    print("  " + line)
                failed |= bool(found)
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force",
                            str(base)], check=False)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
