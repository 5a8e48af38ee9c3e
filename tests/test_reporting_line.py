"""The stored reporting line follows every change of manager, in the same transaction,
through each writer (the people form, the services, the CSV import, the demo seed, a bulk
rebuild; SCIM in tests/identity/test_scim.py); check-derived proves it against the walk up
manager_id and corrects drift."""

import pytest
from sqlalchemy import delete, insert, select

from lms.core.errors import DomainError
from lms.people.models import Person, ReportingLine
from lms.people.policy import is_in_reporting_line, reporting_line_ids
from lms.people.services import onboarding
from lms.people.services.directory import PersonData, set_active, update_person
from lms.people.services.reporting_line import check_reporting_line, rebuild_reporting_line
from tests.conftest import QueryCounter
from tests.test_onboarding import HEADER


def stored(db) -> set[tuple[int, int]]:
    return set(map(tuple, db.session.execute(
        select(ReportingLine.manager_id, ReportingLine.person_id))))


def below(db, manager) -> set[int]:
    return set(db.session.scalars(reporting_line_ids(manager.id)))


def no_drift(db) -> bool:
    return check_reporting_line(db.session) == []


def with_manager(person, manager_id) -> PersonData:
    return PersonData(person.employee_id, person.name, person.email, team_id=person.team_id,
                      manager_id=manager_id, roles=tuple(sorted(person.roles)))


@pytest.fixture
def org(make_person):
    """Two heads; a manager under the first with two agents; an agent under the second."""
    admin = make_person(roles=("admin",))
    head1 = make_person(roles=("manager",))
    head2 = make_person(roles=("manager",))
    lead = make_person(roles=("manager",), manager_id=head1.id)
    a1 = make_person(manager_id=lead.id)
    a2 = make_person(manager_id=lead.id)
    b1 = make_person(manager_id=head2.id)
    return dict(admin=admin, head1=head1, head2=head2, lead=lead, a1=a1, a2=a2, b1=b1)


def test_new_hires_with_a_manager_join_every_line_above(db, org):
    o = {k: v.id for k, v in org.items()}
    assert stored(db) == {(o["head1"], o["lead"]), (o["head1"], o["a1"]),
                          (o["head1"], o["a2"]), (o["lead"], o["a1"]), (o["lead"], o["a2"]),
                          (o["head2"], o["b1"])}
    assert no_drift(db)


def test_moving_a_manager_moves_their_whole_team(db, org):
    update_person(db.session, org["admin"], org["lead"], with_manager(org["lead"],
                                                                      org["head2"].id))
    db.session.commit()
    assert below(db, org["head1"]) == set()
    assert below(db, org["head2"]) == {org[k].id for k in ("lead", "a1", "a2", "b1")}
    assert below(db, org["lead"]) == {org["a1"].id, org["a2"].id}
    assert no_drift(db)


def test_moving_one_person_moves_only_them(db, org):
    update_person(db.session, org["admin"], org["a1"], with_manager(org["a1"], org["b1"].id))
    db.session.commit()
    assert below(db, org["lead"]) == {org["a2"].id}
    assert below(db, org["head1"]) == {org["lead"].id, org["a2"].id}
    assert below(db, org["head2"]) == {org["b1"].id, org["a1"].id}
    assert below(db, org["b1"]) == {org["a1"].id}
    assert no_drift(db)


def test_removing_a_manager_takes_the_team_out_of_every_line_above(db, org):
    update_person(db.session, org["admin"], org["lead"], with_manager(org["lead"], None))
    db.session.commit()
    assert below(db, org["head1"]) == set()
    assert below(db, org["lead"]) == {org["a1"].id, org["a2"].id}
    assert no_drift(db)


def test_a_move_through_the_form(client, auth, db, org):
    auth.login(org["admin"])
    lead = org["lead"]
    response = client.post(f"/admin/people/{lead.id}/edit", data={
        "employee_id": lead.employee_id, "name": lead.name, "email": lead.email,
        "roles": ["manager"], "manager_id": org["head2"].employee_id, "password": ""})
    assert response.status_code == 302
    assert org["a1"].id in below(db, org["head2"]) and below(db, org["head1"]) == set()
    assert no_drift(db)


def test_a_loop_is_refused_and_changes_nothing(db, org):
    before = stored(db)
    with pytest.raises(DomainError, match="loop"):
        update_person(db.session, org["admin"], org["head1"], with_manager(org["head1"],
                                                                           org["a1"].id))
    db.session.rollback()
    assert stored(db) == before and no_drift(db)


def test_a_loop_made_past_the_forms_keeps_the_line_finite(db, org):
    # A direct edit the services would refuse: the line still ends, and holds what the
    # recursive walk always answered (everyone on the loop is below everyone on it).
    db.session.get(Person, org["head1"].id).manager_id = org["a1"].id
    db.session.commit()
    loop = {org[k].id for k in ("head1", "lead", "a1")}
    assert below(db, org["a1"]) == loop | {org["a2"].id}
    assert no_drift(db)
    db.session.get(Person, org["head1"].id).manager_id = None
    db.session.commit()
    assert org["a1"].id not in below(db, org["a1"]) and no_drift(db)


def test_deactivation_keeps_the_line(db, org):
    # Scopes have always included inactive people below a manager (lists filter by status).
    set_active(db.session, org["admin"], org["a1"], False)
    db.session.commit()
    assert org["a1"].id in below(db, org["head1"]) and no_drift(db)


def test_the_csv_import_fills_the_line(db, org, defaults):
    text = HEADER + (
        f"N1,New One,n1@example.com,,{org['lead'].employee_id},,,,agent\n"
        "N2,New Two,n2@example.com,,N3,,,,agent\n"
        f"N3,New Three,n3@example.com,,{org['head2'].employee_id},,,,manager\n")
    assert onboarding.run_import(db.session, None, text) == 3
    db.session.commit()
    ids = dict(map(tuple, db.session.execute(
        select(Person.employee_id, Person.id).where(Person.employee_id.like("N_")))))
    assert {ids["N1"]} <= below(db, org["head1"]) and ids["N1"] in below(db, org["lead"])
    assert below(db, db.session.get(Person, ids["N3"])) == {ids["N2"]}
    assert {ids["N2"], ids["N3"]} <= below(db, org["head2"])
    assert no_drift(db)


def test_a_flush_that_changes_no_manager_sends_nothing_more(db, org):
    agent = db.session.get(Person, org["a1"].id)
    agent.name = "Renamed"
    with QueryCounter(db.engine) as counter:
        db.session.flush()
    assert counter.count == 1  # the UPDATE of the person alone


def test_a_move_costs_a_fixed_number_of_statements(db, org):
    lead = db.session.get(Person, org["lead"].id)
    lead.manager_id = org["head2"].id
    connection = db.session.connection()
    with QueryCounter(db.engine) as counter:
        db.session.flush()
    # The UPDATE, then: who is below, delete their rows, insert the walk (on PostgreSQL first
    # the line's advisory lock), whatever the size of the team.
    assert counter.count == (5 if connection.dialect.name == "postgresql" else 4)


def test_check_derived_reports_drift_and_fixes_it(db, org, runner):
    assert "0 reporting-line rows differ." in runner.invoke(args=["check-derived"]).output
    db.session.execute(delete(ReportingLine).where(ReportingLine.person_id == org["a1"].id))
    db.session.execute(insert(ReportingLine).values(manager_id=org["head2"].id,
                                                    person_id=org["a2"].id))
    db.session.commit()
    result = runner.invoke(args=["check-derived"])
    assert result.exit_code == 1
    assert (f"reporting line manager={org['lead'].id} person={org['a1'].id}: below them by "
            "manager_id, not stored") in result.output
    assert (f"reporting line manager={org['head2'].id} person={org['a2'].id}: stored, not "
            "below them by manager_id") in result.output
    assert "3 reporting-line rows differ." in result.output
    fixed = runner.invoke(args=["check-derived", "--fix"])
    assert fixed.exit_code == 0 and "3 reporting-line rows differ (corrected)." in fixed.output
    again = runner.invoke(args=["check-derived"])
    assert again.exit_code == 0 and "0 reporting-line rows differ." in again.output


def test_rebuild_after_bulk_inserts(db, org):
    # What hr_org and other bulk writers do: rows past the ORM, then one rebuild.
    db.session.execute(insert(Person.__table__).values(
        id=9001, employee_id="BULK1", name="Bulk", sort_name="bulk", email="bulk@example.com",
        manager_id=org["a2"].id, active=True, can_author=False, session_version=1))
    assert not no_drift(db)
    rebuild_reporting_line(db.session)
    db.session.commit()
    assert 9001 in below(db, org["head1"]) and no_drift(db)


@pytest.fixture
def demo_org(db):
    """The demo organisation (the seed writes people through create_person), by employee id."""
    return {p.employee_id: p for p in db.session.scalars(select(Person))}


def test_the_demo_organisation_has_its_line(db, demo_org):
    manager = demo_org["E0011"]
    # The policy's walk of the objects, against the stored line.
    walked = {p.id for p in db.session.scalars(select(Person))
              if is_in_reporting_line(p, manager)}
    assert walked and below(db, manager) == walked
    assert no_drift(db)
