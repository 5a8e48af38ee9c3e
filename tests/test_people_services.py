"""People and team services, without HTTP."""

import pytest
from sqlalchemy import func, select

from lms.core.audit import AuditEntry
from lms.core.errors import DomainError
from lms.people.models import Person
from lms.people.services import directory as services
from lms.people.services.directory import PersonData


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_create_person_normalises_and_audits(db, make_team):
    team = make_team("Hotline")
    person = services.create_person(db.session, None, PersonData(
        employee_id=" E1 ", name="  欧阳娜娜 ", email="Nana@Example.COM", team_id=team.id,
        roles=("agent", "mentor"),
    ), "a-long-password")
    db.session.commit()
    assert person.employee_id == "E1"
    assert person.name == "欧阳娜娜"
    assert person.email == "nana@example.com"
    assert person.roles == {"agent", "mentor"}
    assert person.check_password("a-long-password")
    assert not person.check_password("wrong")
    assert db.session.scalar(
        select(AuditEntry.action).where(AuditEntry.object_type == "Person")
    ) == "person.create"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"employee_id": "DUP"}, "employee_id"),
        ({"email": "TAKEN@example.com"}, "email"),
        ({"team_id": 9999}, "team_id"),
        ({"manager_id": 9999}, "manager_id"),
        ({"tier_id": 9999}, "tier_id"),
        ({"roles": ()}, "roles"),
        ({"name": "   "}, "name"),
        ({"email": "not-an-address"}, "email"),
    ],
)
def test_create_person_refuses_bad_data(db, make_person, change, field):
    make_person(employee_id="DUP", email="taken@example.com")
    before = count(db, Person)
    data = PersonData(employee_id="NEW", name="New", email="new@example.com")
    for key, value in change.items():
        setattr(data, key, value)
    with pytest.raises(DomainError) as raised:
        services.create_person(db.session, None, data)
    assert raised.value.field == field
    db.session.rollback()
    assert count(db, Person) == before


def test_short_password_refused(db):
    with pytest.raises(DomainError, match="at least 10"):
        services.create_person(db.session, None, PersonData("E9", "N", "n@example.com"), "short")


def test_manager_loop_refused(db, make_person):
    top = make_person(roles=("manager",))
    middle = make_person(roles=("manager",), manager_id=top.id)
    bottom = make_person(roles=("agent",), manager_id=middle.id)
    data = PersonData(top.employee_id, top.name, top.email, manager_id=bottom.id,
                      roles=("manager",))
    with pytest.raises(DomainError, match="loop") as raised:
        services.update_person(db.session, top, top, data)
    assert raised.value.field == "manager_id"
    db.session.rollback()
    assert db.session.get(Person, top.id).manager_id is None


def test_self_as_manager_refused(db, make_person):
    person = make_person()
    data = PersonData(person.employee_id, person.name, person.email, manager_id=person.id)
    with pytest.raises(DomainError):
        services.update_person(db.session, person, person, data)


def test_deactivate_ends_sessions_and_never_deletes(db, make_person):
    admin = make_person(roles=("admin",))
    agent = make_person()
    version = agent.session_version
    services.set_active(db.session, admin, agent, False, "left the company")
    db.session.commit()
    agent = db.session.get(Person, agent.id)
    assert agent.active is False
    assert agent.session_version == version + 1
    with pytest.raises(DomainError):
        services.set_active(db.session, admin, admin, False)


def test_change_password_checks_current(db, make_person):
    person = make_person()
    with pytest.raises(DomainError) as raised:
        services.change_password(db.session, person, "wrong", "another-long-one")
    assert raised.value.field == "current_password"
    services.change_password(db.session, person, "correct-horse-battery", "another-long-one")
    assert person.check_password("another-long-one")


def test_reset_token_is_one_time_and_tamper_proof(db, make_person):
    admin = make_person(roles=("admin",))
    agent = make_person()
    token = services.issue_reset_token(db.session, admin, agent, "k")
    assert services.person_for_reset_token(db.session, token, "k", 3600) is agent
    with pytest.raises(DomainError, match="not valid"):
        # The payload, not the last character: base64 may ignore a change in its last bits.
        tampered = ("B" if token[0] != "B" else "C") + token[1:]
        services.person_for_reset_token(db.session, tampered, "k", 3600)
    with pytest.raises(DomainError, match="not valid"):
        services.person_for_reset_token(db.session, token, "other-secret", 3600)
    services.set_password(db.session, agent, "brand-new-password")
    with pytest.raises(DomainError, match="already been used"):
        services.person_for_reset_token(db.session, token, "k", 3600)


def test_reset_token_expires(db, make_person, monkeypatch):
    import time

    admin, agent = make_person(roles=("admin",)), make_person()
    token = services.issue_reset_token(db.session, admin, agent, "k")
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 7200)
    with pytest.raises(DomainError, match="expired"):
        services.person_for_reset_token(db.session, token, "k", 3600)


def test_team_names_unique_and_no_parent_loops(db, make_team):
    centre = make_team("Centre")
    hotline = make_team("Hotline", parent_id=centre.id)
    with pytest.raises(DomainError) as raised:
        services.save_team(db.session, None, None, "hotline", "", None)
    assert raised.value.field == "name"
    with pytest.raises(DomainError, match="inside itself"):
        services.save_team(db.session, None, centre, "Centre", "", hotline.id)


def test_only_admins_grant_or_remove_hr_and_admin(db, make_person):
    hr, admin = make_person(roles=("hr",)), make_person(roles=("admin",))
    agent = make_person()
    data = PersonData(agent.employee_id, agent.name, agent.email, roles=("agent", "hr"))
    with pytest.raises(DomainError, match="Only an administrator") as raised:
        services.update_person(db.session, hr, agent, data)
    assert raised.value.field == "roles"
    with pytest.raises(DomainError, match="Only an administrator"):
        services.set_active(db.session, hr, admin, False)
    services.update_person(db.session, admin, agent, data)
    assert agent.roles == {"agent", "hr"}
