"""axe-core in Chromium: no serious or critical accessibility violation, light and dark."""
from __future__ import annotations

import pytest

from tests.browser.conftest import PAGE_TYPES

pytestmark = pytest.mark.browser

RUN_AXE = """async () => {
  const results = await axe.run(document, {resultTypes: ['violations']});
  return {
    version: axe.version,
    rulesRun: results.passes.length + results.violations.length + results.incomplete.length,
    violations: results.violations
      .filter(v => v.impact === 'serious' || v.impact === 'critical')
      .map(v => ({rule: v.id, impact: v.impact, help: v.help,
                  nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html,
                                           why: n.failureSummary}))})),
  };
}"""


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['rule']} ({v['impact']}): {v['help']}")
        for node in v["nodes"]:
            lines.append(f"  {node['target']}: {node['html']}\n    {node['why']}")
    return "\n".join(lines)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("kind", PAGE_TYPES)
def test_axe_finds_no_serious_violation(page, served, plain_site, axe_js, kind, scheme):
    page.emulate_media(color_scheme=scheme)
    assert page.goto(served.url_of(plain_site.page(kind))).ok
    assert page.evaluate(f"() => matchMedia('(prefers-color-scheme: {scheme})').matches")
    page.add_script_tag(path=str(axe_js))
    result = page.evaluate(RUN_AXE)
    assert result["rulesRun"] > 10  # axe did look at the page
    assert result["violations"] == [], (
        f"{plain_site.page(kind)} ({scheme}), axe {result['version']}:\n"
        + describe(result["violations"]))
