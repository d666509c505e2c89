"""axe-core, the npm package, injected into a Playwright page: run it and explain what it found."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page

AXE_SCRIPT = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_inject(page: Page) -> None:
    """Load axe-core into the page. Needs a context with ``bypass_csp=True`` (see conftest)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE_SCRIPT))


def axe_violations(page: Page) -> list[dict]:
    """The WCAG 2.1 A and AA violations axe finds in the page as it is laid out right now."""
    axe_inject(page)
    result = page.evaluate(
        """async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})""",
        WCAG_21_AA_TAGS,
    )
    return result["violations"]


def axe_describe(violations: list[dict]) -> str:
    """A readable block per violation: rule, impact, help text and link, then each failing node."""
    lines = []
    for violation in violations:
        lines.append(
            f"{violation['id']} ({violation.get('impact')}): {violation['help']}"
            f" <{violation.get('helpUrl', '')}>"
        )
        for node in violation["nodes"]:
            lines.append(f"    at {node['target']}: {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", " / ")
            if summary:
                lines.append(f"        {summary[:300]}")
    return "\n".join(lines)
