"""axe-core, injected into every page the browser suite visits; serious and critical
violations fail the test."""

from pathlib import Path

import pytest

AXE_PATH = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")


def load_axe_source() -> str:
    """The axe-core script text; fails (never skips) when `npm ci` has not been run."""
    if not AXE_PATH.is_file():
        pytest.fail(
            f"axe-core is missing ({AXE_PATH}). The browser suite checks every page with it: "
            "run `npm ci` in the repository root (or `bash scripts/test.sh`, which does).",
            pytrace=False,
        )
    return AXE_PATH.read_text(encoding="utf-8")


def audit(page, axe_source: str) -> list[dict]:
    """Run axe on the page's current document; returns the serious and critical violations."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # The test context bypasses the app's CSP (script-src 'self'), so inline injection works.
        page.add_script_tag(content=axe_source)
    result = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    return [v for v in result["violations"] if v.get("impact") in FAILING_IMPACTS]


def describe(url: str, violations: list[dict]) -> str:
    """A readable report: rule, impact, help link and up to five offending nodes per rule."""
    lines = [f"Accessibility violations on {url}:"]
    for violation in violations:
        lines.append(f"- [{violation['impact']}] {violation['id']}: {violation['help']} "
                     f"({violation['helpUrl']})")
        for node in violation["nodes"][:5]:
            target = " ".join(str(t) for t in node["target"])
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"    {target}: {summary}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    … and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)
