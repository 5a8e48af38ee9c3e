"""Pass-rate targets per tier are settings of the tier's path (issue #21): an admin changes
one on the path's form (0–100, at most two decimals), it is audited, needs no reason and
re-evaluates no one (it measures the tier, it decides nothing), and the group figures page
shows it. Bad input is refused and changes nothing."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.sql import true

from certificates.models import RulesVersion
from certificates.services import rules
from lms.core import clock
from lms.core.audit import AuditEntry
from lms.paths.models import CertificationPath
from reports.services import group_figures
from tests.test_paths_admin import form_data as path_form


def form_data(path, **changes):
    """The path's form unchanged (its Chinese texts too), with `changes`."""
    return path_form(path, name_zh=path.translation("name", "zh_Hans_CN") or "",
                     description_zh=path.translation("description", "zh_Hans_CN") or "",
                     **changes)


@pytest.fixture
def admin(app, auth, make_person):
    app.config["WTF_CSRF_ENABLED"] = False
    person = make_person(roles=("admin",))
    auth.login(person)
    return person


def test_an_admin_sets_a_tier_target_and_the_figures_follow(admin, client, db, defaults):
    senior = defaults["SENIOR"]
    digest = rules.digest_of(rules.snapshot(db.session, senior))
    response = client.post(f"/admin/paths/{senior.id}/edit",
                           data=form_data(senior, pass_rate_target="90.5"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(CertificationPath, senior.id).pass_rate_target == Decimal("90.5")
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "path.update"))
    assert entry.details["changes"]["pass_rate_target"] == ["85.00", "90.5"]
    assert entry.reason == "" and "reevaluated" not in entry.details
    # A target is not a rule: the rules (and their versions) did not move.
    assert rules.digest_of(rules.snapshot(db.session, senior)) == digest
    assert db.session.scalar(select(func.count()).select_from(RulesVersion)) == 0
    figures = group_figures.group_figures(db.session, true(), clock.today())
    targets = {r.path.code: r.target for r in figures.pass_rates}
    assert targets == {"NEWHIRE": Decimal(80), "SENIOR": Decimal("90.5"),
                       "MANAGER": Decimal(95)}
    page = client.get("/reports/group-figures").get_data(as_text=True)
    assert "90.5 %" in page and f"/admin/paths/{senior.id}/edit" in page
    page = client.get("/reports/group-figures", headers={"Accept-Language": "zh-CN"})
    assert "各级别的目标在其认证路径的表单中设置。" in page.get_data(as_text=True)


@pytest.mark.parametrize("value, message", [
    ("101", "Enter a number from 0 to 100."),
    ("-1", "Enter a number from 0 to 100."),
    ("85.125", "Use at most two decimal places."),
    ("NaN", "Enter a number from 0 to 100."),
    ("eighty", "Not a valid decimal value."),
    ("", "This field is required."),
])
def test_bad_targets_are_refused_and_change_nothing(admin, client, db, defaults, value,
                                                     message):
    manager = defaults["MANAGER"]
    response = client.post(f"/admin/paths/{manager.id}/edit",
                           data=form_data(manager, pass_rate_target=value))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(CertificationPath, manager.id).pass_rate_target == Decimal(95)
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "path.update")) == 0


def test_people_who_only_read_reports_see_no_link_to_change_it(client, auth, make_person,
                                                               defaults):
    auth.login(make_person(roles=("hr",)))
    page = client.get("/reports/group-figures").get_data(as_text=True)
    assert "85.0 %" in page and "/admin/paths/" not in page
