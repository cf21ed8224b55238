"""axe-core (from the npm registry, `npm ci` installs it) run inside a Playwright page."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules/axe-core/axe.min.js"

#: What fails the suite: axe's two highest impact levels.
BLOCKING = ("serious", "critical")


def _source() -> str:
    if not AXE_JS.exists():
        if os.environ.get("DANKHEO_REQUIRE_BROWSER"):
            pytest.fail("axe-core is required: run `npm ci` (make test does)")
        pytest.skip("axe-core is not installed (npm ci)")
    return AXE_JS.read_text(encoding="utf-8")


def violations(page) -> list[str]:
    """Serious and critical WCAG 2.x A/AA violations on the page as it stands now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=_source())
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {
                runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                                'wcag22aa', 'best-practice']},
                resultTypes: ['violations'],
            });
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }"""
    )
    return [
        f"{page.url}: {v['id']} ({v['impact']}) {v['help']} at {v['nodes']}"
        for v in result
        if v["impact"] in BLOCKING
    ]
