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


# What axe reports only as "minor" or misses when an id is shared: every id used once, and every
# form control with a name a screen reader can announce (a label with text, aria-label,
# aria-labelledby pointing at text, or a title).
STRUCTURE_CHECK = """() => {
  const problems = [];
  const counts = new Map();
  for (const el of document.querySelectorAll('[id]')) {
    if (el.id) counts.set(el.id, (counts.get(el.id) || 0) + 1);
  }
  for (const [id, n] of counts) if (n > 1) problems.push(`duplicate id "${id}" (${n} elements)`);
  const text = (el) => (el && el.textContent || '').trim();
  const skip = ['hidden', 'submit', 'button', 'reset', 'image'];
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (skip.includes((el.getAttribute('type') || '').toLowerCase())) continue;
    const labelled = [...(el.labels || [])].some((label) => text(label));
    const aria = (el.getAttribute('aria-label') || '').trim();
    const by = (el.getAttribute('aria-labelledby') || '').split(/\\s+/)
      .some((id) => id && text(document.getElementById(id)));
    const title = (el.getAttribute('title') || '').trim();
    if (!(labelled || aria || by || title)) {
      const tag = el.tagName.toLowerCase();
      problems.push(`unnamed ${tag} (name="${el.name || ''}", id="${el.id || ''}")`);
    }
  }
  return problems;
}"""


def structure_problems(page) -> list[str]:
    """Duplicate ids and form controls without an accessible name on the current page."""
    return page.evaluate(STRUCTURE_CHECK)


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
