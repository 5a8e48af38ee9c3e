"""The layout holds: the layers contract bites, every view is routed, and an assessment kind is
one folder plus one line in `lms.app.PACKAGES` (docs/architecture.md)."""

import ast
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from certificates.services.rules import evaluate, snapshot
from lms.app import PACKAGES
from lms.core import clock, kinds, policy
from lms.paths.models import CertificationPath
from lms.paths.services import SlotData, save_slot
from tests.kinds.signoff.kind import SIGNED_OFF

ROOT = Path(__file__).resolve().parent.parent
SOURCE_PACKAGES = ("lms", "courses", "assessments", "certificates", "reports", "classroom")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(tree: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--config", "pyproject.toml"],
                          cwd=tree, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def source_copy(tmp_path_factory) -> Path:
    """A copy of the packages and pyproject.toml, so a probe never touches the real tree."""
    tree = tmp_path_factory.mktemp("layers")
    for name in SOURCE_PACKAGES:
        shutil.copytree(ROOT / name, tree / name,
                        ignore=shutil.ignore_patterns("__pycache__", "translations", "static",
                                                      "starter", "*.gift", "*.html"))
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def test_the_layers_contract_holds_and_bites(source_copy):
    kept = _lint_imports(source_copy)
    assert kept.returncode == 0, kept.stdout + kept.stderr
    assert "1 kept, 0 broken" in kept.stdout

    # The same tree with one upward import hidden inside a function: core reading reports.
    probe = source_copy / "lms" / "core" / "upward_probe.py"
    probe.write_text('"""A deliberate upward import."""\n\n\ndef peek():\n'
                     '    from reports.services import rows\n\n    return rows\n')
    try:
        broken = _lint_imports(source_copy)
    finally:
        probe.unlink()
    assert broken.returncode != 0
    assert "lms.core is not allowed to import reports" in broken.stdout
    assert "lms.core.upward_probe -> reports.services.rows" in broken.stdout


def _view_modules() -> list[Path]:
    found = []
    for package in SOURCE_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if path.name == "views.py" or path.parent.name == "views":
                if path.name != "__init__.py":
                    found.append(path)
    return found


def _public_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in tree.body
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")}


def _blueprint_of(view_module: Path) -> Path:
    folder = view_module.parent
    while not (folder / "blueprint.py").exists():
        folder = folder.parent
    return folder / "blueprint.py"


def test_every_public_view_function_is_listed_in_its_blueprint():
    """A view module's public functions are its views; each must appear in the package's
    blueprint.py (a URL rule, a hook or a template helper), or it would silently 404."""
    modules = _view_modules()
    assert len(modules) >= 20
    unlisted = []
    for module in modules:
        blueprint = _blueprint_of(module).read_text(encoding="utf-8")
        alias = module.stem
        for name in _public_functions(module):
            if f"{alias}.{name}" not in blueprint and f"{alias}_views.{name}" not in blueprint:
                unlisted.append(f"{module.relative_to(ROOT)}:{name}")
    assert unlisted == []


def test_every_url_rule_belongs_to_a_listed_package(app):
    blueprints = {rule.endpoint.partition(".")[0] for rule in app.url_map.iter_rules()
                  if rule.endpoint != "static"}
    assert blueprints == {"home", "people", "competencies", "paths", "notifications", "system",
                          "kpis", "courses", "quiz", "roleplay", "review360", "mystery", "scorm",
                          "xapi",
                          "classroom", "certificates", "reports", "api", "identity", "scim"}


@pytest.fixture
def signoff_app(app_config):
    """An app whose PACKAGES has one more line: the test-only kind's folder."""
    app_config["PACKAGES"] = (*PACKAGES, "tests.kinds.signoff")
    yield app_config
    kinds._KINDS.pop("signoff", None)
    policy._RULES.pop("signoff.view", None)
    SIGNED_OFF.clear()


@pytest.mark.own_app
def test_a_new_kind_is_one_folder_and_one_line(signoff_app, app, defaults, db, make_person,
                                               auth, client):
    assert "signoff" in kinds.registered_kinds()
    mentor = make_person(roles=("mentor",))
    agent = make_person(roles=("agent",))
    path = db.session.scalars(select(CertificationPath).order_by(CertificationPath.position)
                              ).first()
    save_slot(db.session, None, path, None, SlotData(code="SIGNOFF", label="Mentor sign-off",
                                                     kind="signoff", pass_mark=Decimal(80)))
    db.session.commit()

    def missing_codes() -> list[str]:
        answer = evaluate(db.session, agent.id, path, snapshot(db.session, path),
                          clock.today())
        return [m["code"] for m in answer.missing
                if m["params"].get("slot") == "Mentor sign-off"]

    # The certification rules read the new kind through the registry, like any other.
    assert missing_codes() == ["unavailable"]
    SIGNED_OFF[agent.id] = Decimal(70)
    assert missing_codes() == ["below"]
    SIGNED_OFF[agent.id] = Decimal(90)
    assert missing_codes() == []

    # Its page and its permission came with it; the path screens name the kind.
    auth.login(mentor)
    response = client.get("/signoff")
    assert response.status_code == 200
    assert response.get_json() == {"signed_off": [agent.id]}
    auth.logout()
    auth.login(agent)
    assert client.get("/signoff").status_code == 403


def test_the_shared_app_does_not_have_the_test_kind(app):
    assert "signoff" not in kinds.registered_kinds()
    assert "signoff" not in app.blueprints
