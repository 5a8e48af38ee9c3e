"""Browser journeys for bulk onboarding: upload a CSV, preview, confirm; bad files explained."""

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import (
    confirm_import,
    flash_messages,
    import_problems,
    login_as,
    search_people,
    upload_people_csv,
)

pytestmark = pytest.mark.e2e

GOOD_CSV = """employee_id,name,email,team,manager_employee_id,hire_date,tier,roles
N9001,林晓彤,lin.xiaotong@demo.example,Online Chat,E0012,2026-03-02,NEWHIRE,agent
N9002,Amélie Dubois,amelie.dubois@demo.example,Online Chat,N9001,2026-03-02,NEWHIRE,agent;mentor
"""

# Line 2 is fine; 3 reuses a demo person's ID; 4 has a bad date; 5 repeats line 2's ID.
BAD_CSV = """employee_id,name,email,hire_date
N9101,Good Row,good.row@demo.example,2026-03-02
E0001,Taken ID,taken.id@demo.example,2026-03-02
N9102,Bad Date,bad.date@demo.example,02/03/2026
N9101,Repeated,repeated@demo.example,
"""


def test_hr_imports_people_from_csv(page):
    login_as(page, "hr")
    page.goto("/people")
    page.click(page.raw.get_by_role("link", name="Import from CSV"))
    upload_people_csv(page, GOOD_CSV)
    preview = page.raw.locator("main table", has=page.raw.locator("caption"))
    expect(preview).to_contain_text("林晓彤")
    expect(preview).to_contain_text("Amélie Dubois")
    assert import_problems(page) == []
    confirm_import(page)
    assert page.path == "/people"
    assert "2 people imported." in flash_messages(page)
    search_people(page, "N900")
    table = page.raw.locator("main table")
    expect(table).to_contain_text("林晓彤")
    expect(table).to_contain_text("Amélie Dubois")


def test_bad_csv_lists_problems_by_line_and_imports_nothing(page):
    login_as(page, "hr")
    page.goto("/admin/people/import")
    upload_people_csv(page, BAD_CSV, filename="bad.csv")
    problems = import_problems(page)
    lines = [line for line, _ in problems]
    assert lines == sorted(lines)
    assert {3, 4, 5} <= set(lines), problems
    assert 2 not in lines
    messages = dict(problems)
    assert "E0001" in messages[3]
    assert "02/03/2026" in messages[4]
    assert "line 2" in messages[5]
    expect(page.raw.get_by_role("button", name="Import these people")).to_have_count(0)
    page.goto("/people?q=N910")
    expect(page.raw.locator("main table tbody")).to_contain_text("Nobody matches these filters.")
