"""The framework admin screens: areas, competencies and the proficiency scale.

Services are tested without HTTP; the screens through the client, each refusal showing its
message and leaving the database as it was.
"""

import pytest
from sqlalchemy import func, select

from lms.competencies.models import (
    Competency,
    CompetencyArea,
    MatrixRequirement,
    ProficiencyLevel,
)
from lms.competencies.services import matrix as services
from lms.core.audit import AuditEntry
from lms.core.errors import DomainError

ZH = "zh_Hans_CN"


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def area_by_code(db, code):
    return db.session.scalar(select(CompetencyArea).where(CompetencyArea.code == code))


def competency_by_code(db, code):
    return db.session.scalar(select(Competency).where(Competency.code == code))


@pytest.fixture
def admin(make_person):
    return make_person(roles=("admin",), name="Ada Admin")


@pytest.fixture
def as_admin(client, auth, admin, defaults):
    auth.login(admin)
    return client


# Services


def test_save_area_creates_with_translation_and_audit(db, admin, defaults):
    area = services.save_area(db.session, admin, None, services.AreaData(
        code="SALES", name="Sales", name_zh="销售", description="Upselling",
        description_zh="追加销售", position=9,
    ))
    db.session.commit()
    assert area.translations[ZH] == {"name": "销售", "description": "追加销售"}
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action ==
                                                      "framework.area_create"))
    assert entry.actor_id == admin.id and entry.object_id == str(area.id)
    assert entry.details["changes"]["code"] == [None, "SALES"]


@pytest.mark.parametrize("code", ["comm", "Comm", " COMM "])
def test_area_codes_are_unique_whatever_their_case(db, admin, defaults, code):
    with pytest.raises(DomainError) as refused:
        services.save_area(db.session, admin, None, services.AreaData(code=code, name="Again"))
    assert refused.value.field == "code"
    assert "already exists" in refused.value.message


def test_area_may_keep_its_own_code_in_another_case(db, admin, defaults):
    area = area_by_code(db, "COMM")
    services.save_area(db.session, admin, area, services.AreaData(code="Comm", name="Talk"))
    assert area.code == "Comm" and area.name == "Talk"


@pytest.mark.parametrize(("data", "field"), [
    (dict(code="", name="X"), "code"),
    (dict(code="HAS SPACE", name="X"), "code"),
    (dict(code="-LEADING", name="X"), "code"),
    (dict(code="X" * 41, name="X"), "code"),
    (dict(code="NEW", name="   "), "name"),
    (dict(code="NEW", name="X", position=-1), "position"),
    (dict(code="NEW", name="X", position=10_000), "position"),
])
def test_save_area_refuses_bad_input(db, admin, defaults, data, field):
    before = count(db, CompetencyArea)
    with pytest.raises(DomainError) as refused:
        services.save_area(db.session, admin, None, services.AreaData(**data))
    assert refused.value.field == field
    db.session.rollback()
    assert count(db, CompetencyArea) == before


def test_competency_codes_are_unique_across_areas(db, admin, defaults):
    other_area = area_by_code(db, "DIGI")
    with pytest.raises(DomainError) as refused:
        services.save_competency(db.session, admin, None, services.CompetencyData(
            area_id=other_area.id, code="comm-listen", name="Listening again"))
    assert refused.value.field == "code"


def test_competency_needs_a_known_area(db, admin, defaults):
    with pytest.raises(DomainError) as refused:
        services.save_competency(db.session, admin, None, services.CompetencyData(
            area_id=9999, code="NEW", name="New"))
    assert refused.value.field == "area_id"


def test_deactivating_a_competency_keeps_it_and_its_requirements(db, admin, defaults):
    competency = competency_by_code(db, "COMM-TONE")
    requirements = count(db, MatrixRequirement)
    services.save_competency(db.session, admin, competency, services.CompetencyData(
        area_id=competency.area_id, code=competency.code, name=competency.name,
        description=competency.description, position=competency.position, active=False,
        name_zh="语气",
    ))
    db.session.commit()
    assert competency_by_code(db, "COMM-TONE").active is False
    assert count(db, MatrixRequirement) == requirements
    assert competency.translations[ZH]["name"] == "语气"
    assert db.session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc())) == (
        "framework.competency_deactivate")


def test_save_level_rewords_in_both_languages(db, admin, defaults):
    level = db.session.get(ProficiencyLevel, 3)
    services.save_level(db.session, admin, level, services.LevelData(
        name="Capable", description="Works alone.", name_zh="胜任", description_zh="独立工作。"))
    db.session.commit()
    assert (level.name, level.description) == ("Capable", "Works alone.")
    assert level.translations[ZH] == {"name": "胜任", "description": "独立工作。"}


def test_save_level_needs_a_name(db, admin, defaults):
    with pytest.raises(DomainError) as refused:
        services.save_level(db.session, admin, db.session.get(ProficiencyLevel, 2),
                            services.LevelData(name=""))
    assert refused.value.field == "name"


def test_add_level_goes_on_top_up_to_ten(db, admin, defaults):
    for expected in range(6, 11):
        assert services.add_level(db.session, admin, services.LevelData(name="L")).level == expected
    with pytest.raises(DomainError, match="at most 10"):
        services.add_level(db.session, admin, services.LevelData(name="Eleven"))


def test_remove_top_level_only_while_the_matrix_does_not_use_it(db, admin, defaults):
    assert services.remove_top_level(db.session, admin) == 5
    db.session.commit()
    with pytest.raises(DomainError, match="Level 4 is still required"):
        services.remove_top_level(db.session, admin)
    db.session.rollback()
    assert [lvl.level for lvl in services.scale(db.session)] == [1, 2, 3, 4]


def test_scale_keeps_two_levels(db, admin):
    db.session.add_all([ProficiencyLevel(level=1, name="Low"),
                        ProficiencyLevel(level=2, name="High")])
    db.session.commit()
    with pytest.raises(DomainError, match="at least 2"):
        services.remove_top_level(db.session, admin)


def test_required_levels_must_be_on_the_scale(db, admin, defaults):
    path = defaults["NEWHIRE"]
    competency = competency_by_code(db, "LEAD-TEAM")
    with pytest.raises(DomainError, match="on the scale"):
        services.set_requirement(db.session, admin, path, competency, 6)


# Screens


def test_framework_page_lists_areas_scale_and_links(as_admin):
    page = as_admin.get("/admin/framework").get_data(as_text=True)
    assert "Communication" in page and "COMM-LISTEN" in page
    assert "Expert" in page and "Remove level 5" in page
    assert 'href="/admin/matrix"' in page
    assert 'href="/admin/framework/areas/new"' in page


def test_nav_framework_item_points_at_the_framework_page(as_admin):
    page = as_admin.get("/").get_data(as_text=True)
    assert 'href="/admin/framework">Framework<' in page


def test_admin_adds_and_edits_an_area(as_admin, db):
    response = as_admin.post("/admin/framework/areas/new", data={
        "code": "SALES", "name": "Sales", "name_zh": "销售", "description": "",
        "description_zh": "", "position": "7",
    })
    assert response.status_code == 302
    area = area_by_code(db, "SALES")
    assert area.translations[ZH]["name"] == "销售"
    form = as_admin.get(f"/admin/framework/areas/{area.id}/edit").get_data(as_text=True)
    assert 'value="销售"' in form
    response = as_admin.post(f"/admin/framework/areas/{area.id}/edit", data={
        "code": "SALES", "name": "Sales and retention", "name_zh": "", "position": "7",
    })
    assert response.status_code == 302
    db.session.expire_all()
    area = area_by_code(db, "SALES")
    assert area.name == "Sales and retention"
    assert not area.translations.get(ZH, {}).get("name")


def test_admin_adds_and_deactivates_a_competency(as_admin, db):
    area = area_by_code(db, "COMM")
    page = as_admin.get(f"/admin/framework/competencies/new?area={area.id}").get_data(
        as_text=True)
    assert f'<option selected value="{area.id}">' in page
    data = {"area_id": str(area.id), "code": "COMM-WRITE", "name": "Written replies",
            "name_zh": "书面回复", "description": "Chat and e-mail", "position": "5",
            "active": "y"}
    assert as_admin.post("/admin/framework/competencies/new", data=data).status_code == 302
    competency = competency_by_code(db, "COMM-WRITE")
    assert competency.active and competency.area_id == area.id
    del data["active"]
    response = as_admin.post(f"/admin/framework/competencies/{competency.id}/edit", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    assert competency_by_code(db, "COMM-WRITE").active is False
    page = as_admin.get("/admin/framework").get_data(as_text=True)
    assert "Deactivated" in page


def test_admin_edits_adds_and_removes_levels(as_admin, db):
    response = as_admin.post("/admin/framework/scale/2/edit", data={
        "name": "Learning", "description": "With help.", "name_zh": "学习中",
        "description_zh": "需要帮助。"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ProficiencyLevel, 2).translations[ZH]["name"] == "学习中"
    response = as_admin.post("/admin/framework/scale/new", data={"name": "Master"})
    assert response.status_code == 302
    assert db.session.get(ProficiencyLevel, 6).name == "Master"
    response = as_admin.post("/admin/framework/scale/remove-top", follow_redirects=True)
    assert "Level 6 has been removed" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ProficiencyLevel, 6) is None


@pytest.mark.parametrize(("url", "data", "message"), [
    ("/admin/framework/areas/new", {"code": "comm", "name": "Again", "position": "0"},
     "An area with the code comm already exists."),
    ("/admin/framework/areas/new", {"code": "BAD CODE", "name": "X", "position": "0"},
     "Codes use letters, digits, hyphens and underscores"),
    ("/admin/framework/areas/new", {"code": "NEW", "name": "X", "position": "-3"},
     "Position must be a whole number from 0 to 9999."),
    ("/admin/framework/areas/new", {"code": "NEW", "name": "", "position": "0"},
     "This field is required."),
    ("/admin/framework/competencies/new",
     {"area_id": "AREA", "code": "Comm-Listen", "name": "Again", "position": "0"},
     "A competency with the code Comm-Listen already exists."),
    ("/admin/framework/competencies/new",
     {"area_id": "9999", "code": "NEW-ONE", "name": "X", "position": "0"},
     "Not a valid choice"),
    ("/admin/framework/scale/3/edit", {"name": "", "description": "x"},
     "This field is required."),
])
def test_bad_framework_input_is_refused_beside_the_field(as_admin, db, url, data, message):
    data = {k: (str(area_by_code(db, "COMM").id) if v == "AREA" else v) for k, v in data.items()}
    counts = (count(db, CompetencyArea), count(db, Competency), count(db, AuditEntry))
    level_3 = db.session.get(ProficiencyLevel, 3).name
    response = as_admin.post(url, data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert 'class="field-error"' in page
    db.session.expire_all()
    assert (count(db, CompetencyArea), count(db, Competency), count(db, AuditEntry)) == counts
    assert db.session.get(ProficiencyLevel, 3).name == level_3


def test_removing_a_level_the_matrix_uses_is_refused(as_admin, db, defaults):
    db.session.add(MatrixRequirement(path_id=defaults["NEWHIRE"].id, required_level=5,
                                     competency_id=competency_by_code(db, "LEAD-DATA").id))
    db.session.commit()
    response = as_admin.post("/admin/framework/scale/remove-top", follow_redirects=True)
    assert ("Level 5 is still required in 1 cell of the competency matrix"
            in response.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(ProficiencyLevel, 5) is not None


def test_save_matrix_names_every_bad_cell_and_refuses_the_grid(db, defaults):
    path, (listen, team) = defaults["NEWHIRE"], (competency_by_code(db, c)
                                                 for c in ("COMM-LISTEN", "LEAD-TEAM"))
    cells = {services.cell_name(listen.id, path.id): "4",
             services.cell_name(team.id, path.id): "7",
             services.cell_name(team.id, defaults["SENIOR"].id): "x"}
    with pytest.raises(services.MatrixRefused) as raised:
        services.save_matrix(db.session, None, [path, defaults["SENIOR"]], cells)
    assert set(raised.value.cells) == set(cells) - {services.cell_name(listen.id, path.id)}
    db.session.rollback()
    cell = {services.cell_name(listen.id, path.id): "4"}
    # A change needs a reason; the same grid again (nothing changes) does not.
    with pytest.raises(services.MatrixRefused) as raised:
        services.save_matrix(db.session, None, [path], cell, reason="  ")
    assert set(raised.value.cells) == {"reason"}
    services.save_matrix(db.session, None, [path], cell, reason="New-hire calls need it")
    assert services.matrix(db.session)[1][(listen.id, path.id)] == 4
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "matrix.set"))
    assert entry.reason == "New-hire calls need it"
    services.save_matrix(db.session, None, [path], cell)


def test_matrix_editor_refuses_levels_outside_the_scale(as_admin, db, defaults):
    competency = competency_by_code(db, "LEAD-TEAM")
    path = defaults["NEWHIRE"]
    requirements = count(db, MatrixRequirement)
    response = as_admin.post("/admin/matrix", data={f"req-{competency.id}-{path.id}": "7",
                                                    "reason": "typo"})
    assert response.status_code == 422
    assert "Not on the scale." in response.get_data(as_text=True)
    db.session.expire_all()
    assert count(db, MatrixRequirement) == requirements


def test_matrix_editor_asks_why(as_admin, db, defaults):
    competency = competency_by_code(db, "LEAD-TEAM")
    path = defaults["NEWHIRE"]
    # The grid as it stands, so only the one cell changes.
    cells = {f"req-{c}-{p}": str(level) for (c, p), level in services.matrix(db.session)[1].items()}
    cells[f"req-{competency.id}-{path.id}"] = "2"
    response = as_admin.post("/admin/matrix", data=cells)
    assert response.status_code == 422
    assert "Give a reason: the audit log keeps it." in response.get_data(as_text=True)
    db.session.expire_all()
    assert services.matrix(db.session)[1].get((competency.id, path.id)) is None
    response = as_admin.post("/admin/matrix", data={**cells, "reason": "Leads cover shifts"})
    assert response.status_code == 302
    assert services.matrix(db.session)[1][(competency.id, path.id)] == 2


# Access: only admins reach the framework admin screens.

ADMIN_GETS = [
    "/admin/framework",
    "/admin/framework/areas/new",
    "/admin/framework/areas/1/edit",
    "/admin/framework/competencies/new",
    "/admin/framework/competencies/1/edit",
    "/admin/framework/scale/1/edit",
    "/admin/framework/scale/new",
]
ADMIN_POSTS = ADMIN_GETS[1:] + ["/admin/framework/scale/remove-top"]


@pytest.mark.parametrize("role", ["agent", "mentor", "manager", "hr"])
@pytest.mark.parametrize(("method", "url"), [("GET", u) for u in ADMIN_GETS]
                         + [("POST", u) for u in ADMIN_POSTS])
def test_only_admins_reach_the_framework_screens(client, auth, make_person, defaults, db,
                                                  role, method, url):
    auth.login(make_person(roles=(role,)))
    counts = (count(db, CompetencyArea), count(db, Competency), count(db, ProficiencyLevel))
    response = client.open(url, method=method, data={"code": "X", "name": "X", "position": "0"})
    assert response.status_code == 403
    assert (count(db, CompetencyArea), count(db, Competency),
            count(db, ProficiencyLevel)) == counts


@pytest.mark.parametrize("url", ADMIN_GETS)
def test_admin_reaches_every_framework_screen(as_admin, url):
    assert as_admin.get(url).status_code == 200


def test_signed_out_visitors_are_sent_to_sign_in(client, defaults):
    response = client.get("/admin/framework")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
