"""The path admin screens: paths as data, their prerequisites and assessment slots.

Services are tested without HTTP; the screens through the client, each refusal showing its
message beside its field and leaving the database as it was.
"""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from lms.core.audit import AuditEntry
from lms.core.errors import DomainError
from lms.paths import services
from lms.paths.models import AssessmentSlot, CertificationPath

ZH = "zh_Hans_CN"


@pytest.fixture
def admin(make_person):
    return make_person(roles=("admin",), name="Ada Admin")


@pytest.fixture
def as_admin(client, auth, admin, defaults):
    auth.login(admin)
    return client


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def snapshot(db):
    """Every path and slot row, and the audit length: what "unchanged" means here."""
    db.session.expire_all()
    paths = db.session.execute(select(CertificationPath.__table__)
                               .order_by(CertificationPath.id)).all()
    slots = db.session.execute(select(AssessmentSlot.__table__)
                               .order_by(AssessmentSlot.id)).all()
    return paths, slots, count(db, AuditEntry)


def data_of(path: CertificationPath, **changes) -> services.PathData:
    """A path's current values as PathData, with `changes` applied."""
    values = dict(
        code=path.code, name=path.name, description=path.description,
        position=path.position, prerequisite_id=path.prerequisite_id,
        validity_months=path.validity_months, training_days=path.training_days,
        requires_mentor=path.requires_mentor, composite_pass_mark=path.composite_pass_mark,
        active=path.active,
    )
    values.update(changes)
    return services.PathData(**values)


def slot(path, code):
    return next(s for s in path.slots if s.code == code)


# Services: paths


def test_admin_adds_a_path_without_code(db, admin, defaults):
    path = services.save_path(db.session, admin, None, services.PathData(
        code="EXPERT", name="Service expert", name_zh="服务专家", position=3,
        prerequisite_id=defaults["SENIOR"].id, validity_months=24, training_days=10,
        requires_mentor=True,
    ))
    db.session.commit()
    assert path.prerequisite is defaults["SENIOR"]
    assert path.translations[ZH]["name"] == "服务专家"
    assert path in services.ordered_paths(db.session)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "path.create"))
    assert entry.actor_id == admin.id
    assert entry.details["changes"]["prerequisite"] == [None, "SENIOR"]


@pytest.mark.parametrize("code", ["senior", "Senior", " SENIOR "])
def test_path_codes_are_unique_whatever_their_case(db, admin, defaults, code):
    with pytest.raises(DomainError, match="already exists") as refused:
        services.save_path(db.session, admin, None, services.PathData(code=code, name="Again"))
    assert refused.value.field == "code"


def test_a_path_cannot_require_itself(db, admin, defaults):
    newhire = defaults["NEWHIRE"]
    with pytest.raises(DomainError, match="its own prerequisite") as refused:
        services.save_path(db.session, admin, newhire,
                           data_of(newhire, prerequisite_id=newhire.id))
    assert refused.value.field == "prerequisite_id"


@pytest.mark.parametrize("via", ["SENIOR", "MANAGER"])
def test_prerequisite_loops_are_refused(db, admin, defaults, via):
    # SENIOR requires NEWHIRE (A→B→A); MANAGER requires SENIOR requires NEWHIRE (longer loop).
    newhire = defaults["NEWHIRE"]
    with pytest.raises(DomainError, match="would make a loop") as refused:
        services.save_path(db.session, admin, newhire,
                           data_of(newhire, prerequisite_id=defaults[via].id))
    assert refused.value.field == "prerequisite_id"
    db.session.rollback()
    assert db.session.get(CertificationPath, newhire.id).prerequisite_id is None


def test_an_active_path_needs_an_active_prerequisite(db, admin, defaults):
    manager = defaults["MANAGER"]
    services.save_path(db.session, admin, manager, data_of(manager, active=False),
                       reason="Managers train elsewhere")
    with pytest.raises(DomainError, match="deactivated") as refused:
        services.save_path(db.session, admin, None, services.PathData(
            code="OPS", name="Operations manager", prerequisite_id=manager.id))
    assert refused.value.field == "prerequisite_id"


def test_a_required_path_cannot_be_deactivated(db, admin, defaults):
    newhire = defaults["NEWHIRE"]
    with pytest.raises(DomainError, match="still require this path") as refused:
        services.save_path(db.session, admin, newhire, data_of(newhire, active=False))
    assert refused.value.field == "active"
    assert "Senior agent" in refused.value.message


@pytest.mark.parametrize(("changes", "field"), [
    (dict(validity_months=0), "validity_months"),
    (dict(validity_months=121), "validity_months"),
    (dict(validity_months=None), "validity_months"),
    (dict(training_days=-1), "training_days"),
    (dict(position=-1), "position"),
    (dict(name=""), "name"),
    (dict(code="NO SPACES"), "code"),
    (dict(composite_pass_mark=Decimal("100.01")), "composite_pass_mark"),
    (dict(composite_pass_mark=Decimal("-1")), "composite_pass_mark"),
    (dict(composite_pass_mark=Decimal("NaN")), "composite_pass_mark"),
    (dict(composite_pass_mark=Decimal("Infinity")), "composite_pass_mark"),
    (dict(composite_pass_mark=Decimal("79.995")), "composite_pass_mark"),
])
def test_save_path_refuses_out_of_range_values(db, admin, defaults, changes, field):
    senior = defaults["SENIOR"]
    with pytest.raises(DomainError) as refused:
        services.save_path(db.session, admin, senior, data_of(senior, **changes))
    assert refused.value.field == field


@pytest.mark.parametrize("months", [1, 120])
def test_validity_bounds_are_accepted(db, admin, defaults, months):
    senior = defaults["SENIOR"]
    services.save_path(db.session, admin, senior, data_of(senior, validity_months=months),
                       reason="Policy change")
    assert senior.validity_months == months


def test_a_composite_needs_weighted_slots(db, admin, defaults):
    with pytest.raises(DomainError, match="needs slots with weights"):
        services.save_path(db.session, admin, None, services.PathData(
            code="EXPERT", name="Service expert", composite_pass_mark=Decimal("80")))
    newhire = defaults["NEWHIRE"]  # two slots, each on its own mark, no weights
    with pytest.raises(DomainError, match="needs slots with weights") as refused:
        services.save_path(db.session, admin, newhire,
                           data_of(newhire, composite_pass_mark=Decimal("80")))
    assert refused.value.field == "composite_pass_mark"


def test_weights_are_rebalanced_together(db, admin, defaults):
    senior = defaults["SENIOR"]
    case, customer = slot(senior, "CASE"), slot(senior, "CUSTOMER")
    services.save_path(db.session, admin, senior, data_of(senior), {
        case.id: Decimal("50.5"), customer.id: Decimal("49.5")}, "Customers count a little less")
    db.session.commit()
    assert (case.weight, customer.weight) == (Decimal("50.5"), Decimal("49.5"))
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "path.update"))
    assert entry.details["changes"]["weight_CASE"] == ["60.00", "50.5"]


def test_weights_must_add_up_to_100_under_a_composite(db, admin, defaults):
    senior = defaults["SENIOR"]
    case, customer = slot(senior, "CASE"), slot(senior, "CUSTOMER")
    with pytest.raises(DomainError, match="add up to 90") as refused:
        services.save_path(db.session, admin, senior, data_of(senior), {
            case.id: Decimal("50"), customer.id: Decimal("40")})
    assert refused.value.field == "composite_pass_mark"
    db.session.rollback()
    assert slot(db.session.get(CertificationPath, senior.id), "CASE").weight == Decimal("60")


def test_a_weight_outside_0_100_is_refused_beside_its_slot(db, admin, defaults):
    senior = defaults["SENIOR"]
    case = slot(senior, "CASE")
    with pytest.raises(DomainError, match="from 0 to 100") as refused:
        services.save_path(db.session, admin, senior, data_of(senior), {case.id: Decimal("101")})
    assert refused.value.field == f"weight_{case.id}"


def test_clearing_the_composite_frees_the_weights(db, admin, defaults):
    senior = defaults["SENIOR"]
    case = slot(senior, "CASE")
    services.save_path(db.session, admin, senior, data_of(senior, composite_pass_mark=None),
                       {case.id: Decimal("10")}, "Each slot passes on its own mark")
    assert senior.composite_pass_mark is None and case.weight == Decimal("10")


# Services: slots


def slot_data(**changes) -> services.SlotData:
    values = dict(code="ORAL", label="Oral exam", kind="quiz", weight=None,
                  pass_mark=Decimal("70"), position=5)
    values.update(changes)
    return services.SlotData(**values)


def test_add_and_edit_a_slot(db, admin, defaults):
    newhire = defaults["NEWHIRE"]
    added = services.save_slot(db.session, admin, newhire, None, slot_data(kind="written_v2"))
    db.session.commit()
    assert added in newhire.slots and added.kind == "written_v2"
    services.save_slot(db.session, admin, newhire, added, slot_data(pass_mark=Decimal("75.25")),
                       "A stricter written exam")
    assert added.pass_mark == Decimal("75.25")
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["path.slot_create", "path.slot_update"]


@pytest.mark.parametrize(("changes", "field", "message"), [
    (dict(kind="Quiz"), "kind", "lowercase letters"),
    (dict(kind="quiz-1"), "kind", "lowercase letters"),
    (dict(kind="1quiz"), "kind", "lowercase letters"),
    (dict(kind=""), "kind", "required"),
    (dict(code="exam"), "code", "already has a slot with the code exam"),
    (dict(label=" "), "label", "required"),
    (dict(weight=Decimal("100.5")), "weight", "from 0 to 100"),
    (dict(pass_mark=Decimal("-0.5")), "pass_mark", "from 0 to 100"),
    (dict(pass_mark=Decimal("80.001")), "pass_mark", "two decimal places"),
    (dict(position=10_000), "position", "whole number"),
])
def test_save_slot_refuses_bad_input(db, admin, defaults, changes, field, message):
    newhire = defaults["NEWHIRE"]
    with pytest.raises(DomainError, match=message) as refused:
        services.save_slot(db.session, admin, newhire, None, slot_data(**changes))
    assert refused.value.field == field


def test_a_slot_weight_must_keep_the_composite_at_100(db, admin, defaults):
    senior = defaults["SENIOR"]
    with pytest.raises(DomainError, match="add up to 110") as refused:
        services.save_slot(db.session, admin, senior, None, slot_data(weight=Decimal("10")))
    assert refused.value.field == "weight"
    with pytest.raises(DomainError, match="add up to 70"):
        services.save_slot(db.session, admin, senior, slot(senior, "CASE"),
                           slot_data(code="CASE", weight=Decimal("30")))
    # A slot that stands alone beside a composite is fine.
    services.save_slot(db.session, admin, senior, None, slot_data(weight=None))


def test_removing_a_weighted_slot_from_a_composite_is_refused(db, admin, defaults):
    senior = defaults["SENIOR"]
    with pytest.raises(DomainError, match="adding up to 40, not 100"):
        services.remove_slot(db.session, admin, slot(senior, "CASE"), "Case moves to the 360")
    db.session.rollback()
    assert len(db.session.get(CertificationPath, senior.id).slots) == 2


def test_remove_a_slot(db, admin, defaults):
    newhire = defaults["NEWHIRE"]
    services.remove_slot(db.session, admin, slot(newhire, "EXAM"), "The exam moves to the course")
    db.session.commit()
    assert [s.code for s in db.session.get(CertificationPath, newhire.id).slots] == ["PRACTICAL"]
    assert count(db, AssessmentSlot) == 5
    assert db.session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc())) == (
        "path.slot_remove")


# Screens


def form_data(path: CertificationPath, **changes) -> dict:
    """What the edit form posts for `path` unchanged; a None value leaves the key out."""
    data = {
        "code": path.code, "name": path.name, "name_zh": "", "description": path.description,
        "description_zh": "", "position": str(path.position),
        "prerequisite_id": str(path.prerequisite_id or ""),
        "validity_months": str(path.validity_months), "training_days": str(path.training_days),
        "composite_pass_mark": "" if path.composite_pass_mark is None
        else str(path.composite_pass_mark),
        "pass_rate_target": str(path.pass_rate_target),
        "active": "y" if path.active else None,
        "requires_mentor": "y" if path.requires_mentor else None,
    }
    for s in path.slots:
        data[f"weight_{s.id}"] = "" if s.weight is None else str(s.weight)
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_admin_list_shows_every_path_with_links(as_admin, defaults):
    page = as_admin.get("/admin/paths").get_data(as_text=True)
    for path in defaults.values():
        assert path.name in page
        assert f'href="/admin/paths/{path.id}/edit"' in page
    assert 'href="/admin/paths/new"' in page


def test_nav_and_path_pages_link_the_admin_screens(as_admin, defaults):
    assert 'href="/admin/paths">Manage paths<' in as_admin.get("/").get_data(as_text=True)
    path = defaults["SENIOR"]
    page = as_admin.get(f"/paths/{path.id}").get_data(as_text=True)
    assert f'href="/admin/paths/{path.id}/edit"' in page


def test_agents_see_no_edit_link(client, auth, make_person, defaults):
    auth.login(make_person())
    path = defaults["SENIOR"]
    page = client.get(f"/paths/{path.id}").get_data(as_text=True)
    assert "/admin/paths" not in page


def test_admin_adds_a_service_expert_path(as_admin, db, defaults):
    response = as_admin.post("/admin/paths/new", data={
        "code": "EXPERT", "name": "Service expert", "name_zh": "服务专家", "position": "3",
        "prerequisite_id": str(defaults["SENIOR"].id), "validity_months": "24",
        "training_days": "10", "pass_rate_target": "90", "active": "y",
    })
    path = db.session.scalar(select(CertificationPath).where(CertificationPath.code == "EXPERT"))
    assert path.pass_rate_target == Decimal(90)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/paths/{path.id}/edit")
    assert path.prerequisite_id == defaults["SENIOR"].id and path.validity_months == 24
    assert path.translations[ZH]["name"] == "服务专家"
    page = as_admin.get("/paths").get_data(as_text=True)
    assert "Service expert" in page


def test_edit_form_shows_current_values_and_weights(as_admin, defaults):
    senior = defaults["SENIOR"]
    page = as_admin.get(f"/admin/paths/{senior.id}/edit").get_data(as_text=True)
    assert 'value="资深坐席 — 专家认证"' in page
    assert "Weight of Case analysis (%)" in page
    assert f'name="weight_{slot(senior, "CASE").id}"' in page
    assert 'value="60.00"' in page and "Add an assessment" in page


def test_admin_rebalances_the_composite_in_one_save(as_admin, db, defaults):
    senior = defaults["SENIOR"]
    case, customer = slot(senior, "CASE"), slot(senior, "CUSTOMER")
    changes = dict(composite_pass_mark="75", **{f"weight_{case.id}": "70",
                                                f"weight_{customer.id}": "30"})
    # A rule change without a reason is refused and changes nothing.
    before = snapshot(db)
    refused = as_admin.post(f"/admin/paths/{senior.id}/edit", data=form_data(senior, **changes))
    assert refused.status_code == 422 and "Say why the rules change" in refused.get_data(
        as_text=True)
    assert snapshot(db) == before
    response = as_admin.post(f"/admin/paths/{senior.id}/edit", data=form_data(
        senior, reason="Case work weighs more this year", **changes))
    assert response.status_code == 302
    db.session.expire_all()
    assert senior.composite_pass_mark == Decimal("75")
    assert (case.weight, customer.weight) == (Decimal("70"), Decimal("30"))
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "path.update")
                              .order_by(AuditEntry.id.desc()))
    assert entry.reason == "Case work weighs more this year"


def test_admin_adds_edits_and_removes_a_slot(as_admin, db, defaults):
    newhire = defaults["NEWHIRE"]
    response = as_admin.post(f"/admin/paths/{newhire.id}/slots/new", data={
        "code": "ORAL", "label": "Oral exam", "kind": "oralexam", "pass_mark": "70",
        "position": "2"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Oral exam has been saved." in page
    assert "No assessment kind is registered as oralexam yet." in page
    added = slot(db.session.get(CertificationPath, newhire.id), "ORAL")
    assert added.pass_mark == Decimal("70")
    response = as_admin.post(f"/admin/paths/{newhire.id}/slots/{added.id}/edit", data={
        "code": "ORAL", "label": "Oral examination", "kind": "quiz", "pass_mark": "72.5",
        "position": "2", "reason": "The oral exam is now a quiz"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (added.label, added.pass_mark) == ("Oral examination", Decimal("72.5"))
    added_id = added.id
    confirm = as_admin.get(f"/admin/paths/{newhire.id}/slots/{added_id}/remove")
    assert "Remove Oral examination from" in confirm.get_data(as_text=True)
    assert as_admin.post(f"/admin/paths/{newhire.id}/slots/{added_id}/remove",
                         data={"reason": " "}).status_code == 422
    assert db.session.get(AssessmentSlot, added_id) is not None
    response = as_admin.post(f"/admin/paths/{newhire.id}/slots/{added_id}/remove",
                             data={"reason": "Not needed after all"}, follow_redirects=True)
    assert "Oral examination has been removed." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(AssessmentSlot, added_id) is None


def test_slot_form_notes_an_unregistered_kind(as_admin, db, defaults):
    newhire = defaults["NEWHIRE"]
    exam = slot(newhire, "EXAM")
    exam.kind = "oralexam"  # no package registers this kind
    db.session.commit()
    page = as_admin.get(f"/admin/paths/{newhire.id}/slots/{exam.id}/edit").get_data(
        as_text=True)
    assert "No assessment kind is registered as oralexam yet." in page


def test_a_slot_of_another_path_is_not_found(as_admin, defaults):
    exam = slot(defaults["NEWHIRE"], "EXAM")
    senior = defaults["SENIOR"]
    assert as_admin.get(f"/admin/paths/{senior.id}/slots/{exam.id}/edit").status_code == 404
    assert as_admin.post(f"/admin/paths/{senior.id}/slots/{exam.id}/remove").status_code == 404


# Bad input through the screens: the message beside its field, nothing written.

PATH_CASES = [
    ("NEWHIRE", dict(prerequisite_id="SENIOR"), "That would make a loop"),
    ("NEWHIRE", dict(prerequisite_id="MANAGER"), "That would make a loop"),
    ("NEWHIRE", dict(prerequisite_id="NEWHIRE"), "Not a valid choice"),
    ("SENIOR", dict(validity_months="0"), "Enter a whole number from 1 to 120."),
    ("SENIOR", dict(validity_months="121"), "Enter a whole number from 1 to 120."),
    ("SENIOR", dict(composite_pass_mark="101"), "Enter a number from 0 to 100."),
    ("SENIOR", dict(composite_pass_mark="-5"), "Enter a number from 0 to 100."),
    ("SENIOR", dict(composite_pass_mark="eighty"), "Not a valid decimal value"),
    ("SENIOR", dict(weight_CASE="50"), "The weights add up to 90;"),
    ("SENIOR", dict(weight_CASE="150", weight_CUSTOMER="-50"), "Enter a number from 0 to 100."),
    ("NEWHIRE", dict(composite_pass_mark="80"), "A composite pass mark needs slots with weights"),
    ("NEWHIRE", dict(active=None), "still require this path"),
    ("NEWHIRE", dict(code="senior"), "A path with the code senior already exists."),
]


@pytest.mark.parametrize(("code", "changes", "message"), PATH_CASES)
def test_bad_path_input_is_refused_and_nothing_changes(as_admin, db, defaults, code, changes,
                                                       message):
    path = defaults[code]
    posted = {}
    for key, value in changes.items():
        if key.startswith("weight_"):
            key = f"weight_{slot(path, key[7:]).id}"
        elif key == "prerequisite_id":
            value = str(defaults[value].id)
        posted[key] = value
    before = snapshot(db)
    response = as_admin.post(f"/admin/paths/{path.id}/edit", data=form_data(path, **posted))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert 'class="field-error"' in page
    assert snapshot(db) == before


SLOT_CASES = [
    ("SENIOR", None, dict(weight="10"), "The weights add up to 110;"),
    ("SENIOR", "CASE", dict(weight="30"), "The weights add up to 70;"),
    ("NEWHIRE", None, dict(kind="Role-Play"), "Kind keys use lowercase letters"),
    ("NEWHIRE", None, dict(code="Exam"), "This path already has a slot with the code Exam."),
    ("NEWHIRE", None, dict(weight="100.5"), "Enter a number from 0 to 100."),
    ("NEWHIRE", None, dict(pass_mark="-1"), "Enter a number from 0 to 100."),
    ("NEWHIRE", None, dict(pass_mark="80.555"), "Use at most two decimal places."),
]


@pytest.mark.parametrize(("code", "slot_code", "changes", "message"), SLOT_CASES)
def test_bad_slot_input_is_refused_and_nothing_changes(as_admin, db, defaults, code, slot_code,
                                                       changes, message):
    path = defaults[code]
    data = {"code": slot_code or "NEW", "label": "New assessment", "kind": "roleplay",
            "weight": "", "pass_mark": "", "position": "9"}
    data.update(changes)
    url = (f"/admin/paths/{path.id}/slots/{slot(path, slot_code).id}/edit" if slot_code
           else f"/admin/paths/{path.id}/slots/new")
    before = snapshot(db)
    response = as_admin.post(url, data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert 'class="field-error"' in page
    assert snapshot(db) == before


def test_removing_a_weighted_slot_through_the_screen_is_refused(as_admin, db, defaults):
    senior = defaults["SENIOR"]
    before = snapshot(db)
    response = as_admin.post(f"/admin/paths/{senior.id}/slots/{slot(senior, 'CASE').id}/remove",
                             data={"reason": "Case moves to the 360"}, follow_redirects=True)
    assert "Removing Case analysis would leave the weights adding up to 40, not 100." in (
        response.get_data(as_text=True))
    assert snapshot(db) == before


# Access: only admins reach the path admin screens.

ADMIN_GETS = [
    "/admin/paths",
    "/admin/paths/new",
    "/admin/paths/{path}/edit",
    "/admin/paths/{path}/slots/new",
    "/admin/paths/{path}/slots/{slot}/edit",
]
ADMIN_POSTS = ADMIN_GETS[1:] + ["/admin/paths/{path}/slots/{slot}/remove"]


@pytest.mark.parametrize("role", ["agent", "mentor", "manager", "hr"])
@pytest.mark.parametrize(("method", "url"), [("GET", u) for u in ADMIN_GETS]
                         + [("POST", u) for u in ADMIN_POSTS])
def test_only_admins_reach_the_path_screens(client, auth, make_person, defaults, db, role,
                                            method, url):
    newhire = defaults["NEWHIRE"]
    auth.login(make_person(roles=(role,)))
    before = snapshot(db)
    response = client.open(url.format(path=newhire.id, slot=slot(newhire, "EXAM").id),
                           method=method, data=form_data(newhire, name="Hijacked"))
    assert response.status_code == 403
    assert snapshot(db) == before


@pytest.mark.parametrize("url", ADMIN_GETS)
def test_admin_reaches_every_path_screen(as_admin, defaults, url):
    newhire = defaults["NEWHIRE"]
    assert as_admin.get(url.format(path=newhire.id, slot=slot(newhire, "EXAM").id)
                        ).status_code == 200
