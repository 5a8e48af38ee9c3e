"""People and team admin screens through the client: happy paths and bad input."""

from sqlalchemy import func, select

from lms.people.models import Person, Team


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def person_form(**overrides):
    data = {"employee_id": "E500", "name": "Ольга Петрова", "email": "olga@example.com",
            "roles": ["agent"], "hire_date": "2026-11-02", "password": ""}
    data.update(overrides)
    return data


def test_hr_adds_a_person(client, auth, make_person, make_team, defaults, db):
    team = make_team("Chat")
    auth.login(make_person(roles=("hr",)))
    response = client.post("/admin/people/new", data=person_form(
        team_id=str(team.id), tier_id=str(defaults["NEWHIRE"].id)))
    assert response.status_code == 302
    olga = db.session.scalar(select(Person).where(Person.employee_id == "E500"))
    assert olga.name == "Ольга Петрова" and olga.team_id == team.id
    page = client.get(f"/people/{olga.id}").get_data(as_text=True)
    assert "Ольга Петрова" in page and "New hire" in page


def test_duplicate_employee_id_and_email_shown_beside_the_field(client, auth, make_person, db):
    existing = make_person(employee_id="E500", email="taken@example.com")
    auth.login(make_person(roles=("hr",)))
    before = count(db, Person)
    page = client.post("/admin/people/new", data=person_form()).get_data(as_text=True)
    assert 'id="employee_id-error"' in page and "already in use" in page
    page = client.post("/admin/people/new", data=person_form(
        employee_id="E501", email="TAKEN@example.com")).get_data(as_text=True)
    assert 'id="email-error"' in page
    assert count(db, Person) == before
    assert existing.name != "Ольга Петрова"


def test_tampered_select_ids_are_refused(client, auth, make_person, db):
    auth.login(make_person(roles=("hr",)))
    before = count(db, Person)
    for field, value in (("team_id", "99999"), ("manager_id", "abc"), ("tier_id", "-1"),
                         ("roles", ["agent", "superuser"])):
        page = client.post("/admin/people/new", data=person_form(**{field: value}))
        assert page.status_code == 422
        text = page.get_data(as_text=True).lower()
        assert "not a valid choice" in text or "invalid choice" in text, field
    assert count(db, Person) == before


def test_manager_loop_refused_in_the_form(client, auth, make_person, db):
    top = make_person(roles=("manager",), name="Top")
    below = make_person(roles=("manager",), manager_id=top.id, name="Below")
    auth.login(make_person(roles=("admin",)))
    page = client.post(f"/admin/people/{top.id}/edit", data=person_form(
        employee_id=top.employee_id, name="Top", email=top.email, roles=["manager"],
        manager_id=str(below.id))).get_data(as_text=True)
    assert 'id="manager_id-error"' in page and "loop" in page
    assert db.session.get(Person, top.id).manager_id is None


def test_deactivate_and_reactivate_keeps_the_record(client, auth, make_person, db):
    agent = make_person(name="Leaving Soon")
    auth.login(make_person(roles=("hr",)))
    client.post(f"/admin/people/{agent.id}/active", data={"active": "0", "reason": "resigned"})
    assert db.session.get(Person, agent.id).active is False
    client.get("/account")  # shows (and consumes) the flash message naming the person
    assert "Leaving Soon" not in client.get("/people").get_data(as_text=True)
    assert "Leaving Soon" in client.get("/people?inactive=1").get_data(as_text=True)
    client.post(f"/admin/people/{agent.id}/active", data={"active": "1"})
    assert db.session.get(Person, agent.id).active is True


def test_people_list_search_and_pagination(client, auth, make_person):
    for n in range(60):
        make_person(name=f"Agent {n:02d}")
    make_person(name="张三丰", employee_id="ZS1")
    auth.login(make_person(roles=("hr",)))
    page = client.get("/people").get_data(as_text=True)
    assert "Page 1 of 2" in page
    page = client.get("/people?q=张三").get_data(as_text=True)
    assert "张三丰" in page and "Agent 01" not in page
    assert "ZS1" in client.get("/people?q=zs1").get_data(as_text=True)


def test_teams_create_rename_and_refuse_duplicates(client, auth, make_person, db):
    auth.login(make_person(roles=("hr",)))
    assert client.post("/admin/teams/new", data={"name": "Hotline", "active": "y"}).status_code \
        == 302
    page = client.post("/admin/teams/new", data={"name": "hotline", "active": "y"})
    assert "already exists" in page.get_data(as_text=True)
    assert count(db, Team) == 1
    team = db.session.scalar(select(Team))
    client.post(f"/admin/teams/{team.id}/edit", data={"name": "Hotline North", "active": "y"})
    assert db.session.get(Team, team.id).name == "Hotline North"
    page = client.post(f"/admin/teams/{team.id}/edit",
                       data={"name": "Hotline North", "parent_id": str(team.id), "active": "y"})
    assert page.status_code == 422  # its own id is not among the choices
    assert db.session.get(Team, team.id).parent_id is None


def test_people_list_query_count_does_not_grow_with_people(client, auth, make_person, app):
    from sqlalchemy import event

    from lms.core.extensions import db as _db

    auth.login(make_person(roles=("hr",)))

    def queries_for_listing():
        statements = []
        with app.app_context():
            engine = _db.engine
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            client.get("/people")
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    # People with a manager exercise the joined loads that keep the count flat.
    boss = make_person(roles=("manager",))
    for _ in range(3):
        make_person(manager_id=boss.id)
    few = queries_for_listing()
    for _ in range(30):
        make_person(manager_id=boss.id)
    assert queries_for_listing() == few
