"""Bulk onboarding from CSV: dry run with line-numbered problems, then all-or-nothing."""

import io

import pytest
from sqlalchemy import func, select

from lms.core.errors import DomainError
from lms.people.models import Person
from lms.people.services import onboarding

HEADER = "employee_id,name,email,team,manager_employee_id,mentor_employee_id,hire_date,tier,roles\n"


def people_count(db):
    return db.session.scalar(select(func.count()).select_from(Person))


@pytest.fixture
def org(make_team, make_person, defaults):
    team = make_team("Hotline")
    manager = make_person(roles=("manager",), employee_id="M1", email="m1@example.com")
    return {"team": team, "manager": manager}


def test_good_file_imports_everyone(db, org):
    text = HEADER + (
        "N1,林小雨,n1@example.com,Hotline,M1,,2026-11-02,NEWHIRE,agent\n"
        "N2,José Álvarez,n2@example.com,hotline,N3,,2026-11-02,newhire,\n"
        "N3,محمد علي,n3@example.com,Hotline,M1,,,SENIOR,agent;mentor\n"
    )
    plan = onboarding.plan_import(db.session, text)
    assert plan.problems == [] and len(plan.rows) == 3
    assert onboarding.run_import(db.session, None, text) == 3
    db.session.commit()
    n2 = db.session.scalar(select(Person).where(Person.employee_id == "N2"))
    assert n2.manager.employee_id == "N3"  # a reference to a later row of the same file
    assert n2.roles == {"agent"}
    n3 = db.session.scalar(select(Person).where(Person.employee_id == "N3"))
    assert n3.roles == {"agent", "mentor"} and n3.name == "محمد علي"


def test_every_bad_line_is_reported_and_nothing_changes(db, org):
    text = HEADER + (
        "N1,Good Row,n1@example.com,Hotline,M1,,2026-11-02,NEWHIRE,agent\n"  # line 2
        "M1,Dup Existing,x@example.com,,,,,,\n"                              # line 3
        "N1,Dup In File,y@example.com,,,,,,\n"                              # line 4
        "N5,Bad Email,not-an-email,,,,,,\n"                                 # line 5
        "N6,Unknown Team,n6@example.com,Nowhere,,,,,\n"                     # line 6
        "N7,Unknown Manager,n7@example.com,,NOPE,,,,\n"                     # line 7
        "N8,Bad Date,n8@example.com,,,,02/11/2026,,\n"                      # line 8
        "N9,Bad Tier,n9@example.com,,,,,WIZARD,\n"                          # line 9
        "N10,Bad Role,n10@example.com,,,,,,agent;king\n"                    # line 10
        "N11,Admin Role,n11@example.com,,,,,,admin\n"                       # line 11
        ",No Id,n12@example.com,,,,,,\n"                                    # line 12
        "N13,Taken Email,M1@EXAMPLE.com,,,,,,\n"                            # line 13
        "N14,Loop A,n14@example.com,,N15,,,,\n"                             # line 14
        "N15,Loop B,n15@example.com,,N14,,,,\n"                             # line 15
        "N16,Too,many,fields,,,,,,,,\n"                                     # line 16
    )
    before = people_count(db)
    plan = onboarding.plan_import(db.session, text)
    lines = {p.line for p in plan.problems}
    assert lines == set(range(3, 17)), plan.problems
    messages = {p.line: p.message for p in plan.problems}
    assert "already exists" in messages[3]
    assert "line 2" in messages[4]
    assert "Unknown team" in messages[6]
    assert "NOPE" in messages[7]
    assert "loop" in messages[14]
    with pytest.raises(DomainError):
        onboarding.run_import(db.session, None, text)
    db.session.rollback()
    assert people_count(db) == before


def test_missing_and_unknown_columns(db, org):
    plan = onboarding.plan_import(db.session, "employee_id,name\nA,B\n")
    assert plan.problems[0].line == 1 and "email" in plan.problems[0].message
    plan = onboarding.plan_import(db.session, "employee_id,name,email,shoe_size\n")
    assert "shoe_size" in plan.problems[0].message


def test_empty_file(db, org):
    plan = onboarding.plan_import(db.session, HEADER)
    assert not plan.ok and "no people" in plan.problems[0].message


def test_non_utf8_and_oversized_files_refused():
    with pytest.raises(DomainError, match="Line 2"):
        onboarding.decode_csv(b"a,b\n" + "名字".encode("gb18030"), 1000)
    with pytest.raises(DomainError, match="larger"):
        onboarding.decode_csv(b"x" * 2000, 1024)
    assert onboarding.decode_csv("\ufeffemployee_id".encode(), 100) == "employee_id"


def _upload(client, text: bytes, name="people.csv"):
    return client.post("/admin/people/import", data={"file": (io.BytesIO(text), name)},
                       content_type="multipart/form-data")


def test_import_screens_preview_then_confirm(client, auth, make_person, db, org):
    hr = make_person(roles=("hr",))
    auth.login(hr)
    text = HEADER + "N1,王小明,n1@example.com,Hotline,M1,,2026-11-02,NEWHIRE,agent\n"
    before = people_count(db)
    preview = _upload(client, text.encode()).get_data(as_text=True)
    assert "1 person ready to import" in preview and "王小明" in preview
    assert people_count(db) == before  # the dry run wrote nothing
    response = client.post("/admin/people/import", data={"confirm": "1", "csv_text": text})
    assert response.status_code == 302
    assert people_count(db) == before + 1


def test_import_screen_lists_problems_with_line_numbers(client, auth, make_person, db, org):
    auth.login(make_person(roles=("hr",)))
    text = HEADER + "N1,A,n1@example.com,,,,,,\nN1,B,n2@example.com,,,,,,\n"
    page = _upload(client, text.encode()).get_data(as_text=True)
    assert "1 problem found" in page and "<td>3</td>" in page
    assert "Import these people" not in page
    # The problems card is the one the KPI import shows (macros.import_steps).
    assert "<table class=\"table\" data-problems>" in page
    assert 'href="/admin/people/import">Fix the file and upload it again' in page


def test_import_screen_lists_the_first_thousand_problems(client, auth, make_person, org):
    auth.login(make_person(roles=("hr",)))
    text = HEADER + "".join(f"N{n},Name {n},not-an-address,,,,,,\n" for n in range(1001))
    page = _upload(client, text.encode()).get_data(as_text=True)
    assert "1001 problems found" in page and "The first 1000 problems are listed." in page
    assert "<td>1001</td>" in page and "<td>1002</td>" not in page


def test_tampered_confirm_is_rechecked(client, auth, make_person, db, org):
    auth.login(make_person(roles=("hr",)))
    before = people_count(db)
    bad = HEADER + "N1,A,n1@example.com,,,,,,\nM1,Dup,z@example.com,,,,,,\n"
    response = client.post("/admin/people/import", data={"confirm": "1", "csv_text": bad})
    assert response.status_code == 422
    assert "nothing was imported" in response.get_data(as_text=True)
    assert people_count(db) == before


def test_non_utf8_upload_message(client, auth, make_person, org):
    auth.login(make_person(roles=("hr",)))
    response = _upload(client, HEADER.encode() + "N1,张三,z@example.com\n".encode("gb18030"))
    assert response.status_code == 422
    assert "not UTF-8" in response.get_data(as_text=True)


def test_oversized_upload_message(app, client, auth, make_person, org, monkeypatch):
    monkeypatch.setitem(app.config, "CSV_IMPORT_MAX_BYTES", 1024)
    auth.login(make_person(roles=("hr",)))
    response = _upload(client, HEADER.encode() + b"N,x,y@example.com\n" * 200)
    assert response.status_code == 422
    assert "larger than" in response.get_data(as_text=True)


def test_five_hundred_new_hires(db, org):
    rows = "".join(f"H{i:04d},New Hire {i},h{i}@example.com,Hotline,M1,,2026-11-02,NEWHIRE,agent\n"
                   for i in range(500))
    assert onboarding.run_import(db.session, None, HEADER + rows) == 500
    db.session.commit()
    assert people_count(db) == 501


def test_dry_run_query_count_does_not_grow_with_rows(db, org):
    from sqlalchemy import event

    def queries(rows: int) -> int:
        text = HEADER + "".join(
            f"Q{rows}-{i},Name {i},q{rows}-{i}@example.com,Hotline,M1,,2026-11-02,NEWHIRE,agent\n"
            for i in range(rows))
        statements = []
        db.session.rollback()  # each measurement starts its own transaction
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert onboarding.plan_import(db.session, text).ok
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    assert queries(5) == queries(200)
