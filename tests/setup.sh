#!/usr/bin/env bash
# Everything the test suite needs, on a fresh Debian machine or one already set up:
# Chromium and CJK fonts (Debian's; Playwright never downloads a browser), Java, Node and
# npm, the Python test extra (pytest-xdist, ruff and mypy among it), and the pinned Nu Html
# Checker and axe-core from tests/browser/package-lock.json.
# Runs as root, as CI does; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=()
if [ ! -x /usr/bin/chromium ]; then
  packages+=(chromium fonts-noto-cjk)
elif [ "$(dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null || true)" != "install ok installed" ]; then
  packages+=(fonts-noto-cjk)  # without it Chinese text renders as empty boxes
fi
command -v java >/dev/null 2>&1 || packages+=(default-jre-headless)  # for vnu.jar
# for `npm ci` below, and for the search tests that run static/search.js under node
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)
if [ "${#packages[@]}" -gt 0 ]; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${packages[@]}"
fi

python3 -m pip install '.[test]'

# --ignore-scripts: vnu-jar's install script would fetch a Java runtime from outside the
# npm registry when none is found; java is installed above, and vnu.jar ships in the package.
(cd tests/browser && npm ci --ignore-scripts --no-audit --no-fund)
