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
        assert ("not a valid choice" in text or "invalid choice" in text
                or "nobody who can be chosen here" in text), field
    assert count(db, Person) == before


def test_manager_loop_refused_in_the_form(client, auth, make_person, db):
    top = make_person(roles=("manager",), name="Top")
    below = make_person(roles=("manager",), manager_id=top.id, name="Below")
    auth.login(make_person(roles=("admin",)))
    page = client.post(f"/admin/people/{top.id}/edit", data=person_form(
        employee_id=top.employee_id, name="Top", email=top.email, roles=["manager"],
        manager_id=below.employee_id)).get_data(as_text=True)
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


def test_manager_and_mentor_are_picked_by_name_or_employee_id(client, auth, make_person, db):
    boss = make_person(roles=("manager",), name="王芳", employee_id="E0011")
    make_person(roles=("manager",), name="王芳", employee_id="E0012")   # a namesake
    mentor = make_person(roles=("mentor", "agent"), name="李娜", employee_id="E0020")
    make_person(roles=("agent",), name="王芳芳", employee_id="E0099")    # not a manager
    auth.login(make_person(roles=("hr",)))
    # Suggestions: managers only, by name or id, as "Name (ID)".
    found = client.get("/admin/people/lookup?field=manager_id&q=王").get_json()["people"]
    assert [p["value"] for p in found] == ["王芳 (E0011)", "王芳 (E0012)"]
    assert client.get("/admin/people/lookup?field=mentor_id&q=e0020").get_json()["people"][0][
        "value"] == "李娜 (E0020)"
    assert client.get("/admin/people/lookup?field=password&q=a").status_code == 404
    # The namesake makes a bare name ambiguous: refused; "Name (ID)" and the ID work.
    response = client.post("/admin/people/new", data=person_form(manager_id="王芳"))
    assert response.status_code == 422 and "Nobody who can be chosen here" in response.get_data(
        as_text=True)
    response = client.post("/admin/people/new", data=person_form(
        manager_id="王芳 (E0011)", mentor_id="e0020"))
    assert response.status_code == 302
    created = db.session.scalar(select(Person).where(Person.employee_id == "E500"))
    assert (created.manager_id, created.mentor_id) == (boss.id, mentor.id)
    page = client.get(f"/admin/people/{created.id}/edit").get_data(as_text=True)
    assert 'value="王芳 (E0011)"' in page and 'list="manager_id-options"' in page


def test_only_people_managers_may_look_people_up(client, auth, make_person):
    auth.login(make_person(roles=("manager",)))
    assert client.get("/admin/people/lookup?field=manager_id&q=a").status_code == 403
