"""The HR table's column chooser: the choice is kept per person (a second sign-in finds it),
unknown columns are refused with nothing changed, and only report readers may choose."""

from sqlalchemy import select

from lms.people.models import PersonPreference
from reports.services.columns import OPTIONAL_COLUMNS, PREFERENCE
from tests.reports.test_dashboard import _login


def _headers(html: str) -> str:
    return html.split('class="table dash-table"', 1)[1].split("</thead>", 1)[0]


def test_the_choice_follows_the_person(client, auth, demo_org, db):
    hr = demo_org["E0002"]
    _login(auth, hr)
    page = client.get("/reports/").get_data(as_text=True)
    assert "Hire date" in _headers(page) and "Manager" in _headers(page)
    assert "KPIs, last 3 periods" not in _headers(page)  # hidden until chosen
    response = client.post("/reports/columns", data={
        "shown": ["manager", "expires"], "back": "sort=name&page=1"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/reports/?sort=name&page=1")
    kept = db.session.scalar(select(PersonPreference.value).where(
        PersonPreference.person_id == hr.id, PersonPreference.key == PREFERENCE))
    assert set(kept) == set(OPTIONAL_COLUMNS) - {"manager", "expires"}
    # A new sign-in (another browser) finds the same columns.
    auth.logout()
    _login(auth, hr)
    headers = _headers(client.get("/reports/").get_data(as_text=True))
    assert "Manager" in headers and "Expires" in headers
    assert "Hire date" not in headers and "Composite score" not in headers
    assert "Employee ID" in headers and "Name" in headers  # always shown
    # Somebody else still sees every column.
    auth.logout()
    _login(auth, demo_org["E0011"])
    assert "Hire date" in _headers(client.get("/reports/").get_data(as_text=True))


def test_unknown_columns_are_refused_and_nothing_changes(client, auth, demo_org, db):
    hr = demo_org["E0002"]
    _login(auth, hr)
    client.post("/reports/columns", data={"shown": ["manager"]})
    response = client.post("/reports/columns", data={"shown": ["manager", "password_hash"]},
                           follow_redirects=True)
    assert "could not be kept" in response.get_data(as_text=True)
    kept = db.session.scalar(select(PersonPreference.value).where(
        PersonPreference.person_id == hr.id))
    assert "manager" not in kept and "tier" in kept
    # An outside address in "back" is not followed.
    away = client.post("/reports/columns", data={"shown": ["manager"],
                                                 "back": "//evil.example/x"})
    assert away.headers["Location"].endswith("/reports/")


def test_only_report_readers_choose(client, auth, demo_org, db):
    _login(auth, demo_org["E0101"])  # the demo agent
    assert client.post("/reports/columns", data={"shown": ["manager"]}).status_code == 403
    assert db.session.scalar(select(PersonPreference)) is None


def test_the_way_back_carries_query_arguments_only(client, auth, demo_org):
    _login(auth, demo_org["E0002"])
    response = client.post("/reports/columns", data={
        "shown": ["manager"], "back": "sort=name&page=2\r\nSet-Cookie: x=1"})
    assert response.status_code == 302
    assert "\n" not in response.headers["Location"]
    assert response.headers["Location"].startswith("/reports/?sort=name&page=2")
