"""KPI screens: who may reach them (as a table), the definition form in both languages, and
the upload with its dry run, a refused line, the fix and the confirmation."""

import io
import re

import pytest
from sqlalchemy import select

from lms.kpis.models import KpiDefinition, KpiValue

HEADER = "employee_id,kpi,period,value\n"
PAGES = ("/admin/kpis", "/admin/kpis/new", "/kpis/import")


@pytest.mark.parametrize("role, url, status", [
    *[("agent", url, 403) for url in PAGES],
    *[("mentor", url, 403) for url in PAGES],
    *[("manager", url, 403) for url in PAGES],
    ("hr", "/admin/kpis", 403), ("hr", "/admin/kpis/new", 403), ("hr", "/kpis/import", 200),
    *[("admin", url, 200) for url in PAGES],
])
def test_access(client, auth, make_person, defaults, role, url, status):
    auth.login(make_person(roles=(role,)))
    assert client.get(url).status_code == status


def test_signed_out_people_are_sent_to_sign_in(client, defaults):
    for url in PAGES:
        assert client.get(url).status_code == 302


def _token(page: bytes) -> str:
    return re.search(rb'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)[1].decode()


def test_an_admin_adds_a_kpi_with_a_chinese_name_and_a_mapping(app, client, auth, staff, db):
    app.config["WTF_CSRF_ENABLED"] = False
    auth.login(staff["admin"])
    # (MYSTERY itself is installed with the defaults: a second one is refused by its code.)
    data = {"code": "callback", "name": "Callback kept score", "name_zh": "回电守约得分",
            "unit": "pts", "direction": "higher", "period": "month", "min_value": "0",
            "max_value": "100", "target": "80", "weight": "10", "periods_below_for_plan": "2",
            "mapping": "ETQ-GREET: 60, 70, 80, 90", "active": "y"}
    bad = client.post("/admin/kpis/new", data={**data, "mapping": "ETQ-GREET: 90, 80, 70, 60"})
    assert bad.status_code == 422 and b"worse to better" in bad.data
    assert client.post("/admin/kpis/new", data=data).status_code == 302
    kpi = db.session.scalar(select(KpiDefinition).where(KpiDefinition.code == "CALLBACK"))
    assert kpi.translation("name", "zh_Hans_CN") == "回电守约得分"
    assert [link.thresholds for link in kpi.competencies] == [["60", "70", "80", "90"]]
    page = client.get("/admin/kpis", headers={"Accept-Language": "zh-CN"})
    assert "回电守约得分" in page.get_data(as_text=True)
    taken = client.post("/admin/kpis/new", data={**data, "code": "mystery"})
    assert taken.status_code == 422 and b"already has the code MYSTERY" in taken.data


def test_upload_dry_run_refuses_a_bad_line_then_the_fixed_file_imports(app, client, auth,
                                                                        staff, db):
    app.config["WTF_CSRF_ENABLED"] = False
    auth.login(staff["hr"])
    bad = HEADER + "A1,CSAT,2026-11,91\nA9,CSAT,2026-11,80\n"
    page = client.post("/kpis/import", data={"file": (io.BytesIO(bad.encode()), "nov.csv")},
                       content_type="multipart/form-data")
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert "A9" in text and "<td>3</td>" in text and "Import these values" not in text
    assert db.session.scalar(select(KpiValue)) is None
    good = HEADER + "A1,CSAT,2026-11,91\nA2,CSAT,2026-11,80\n"
    page = client.post("/kpis/import", data={"file": (io.BytesIO(good.encode()), "nov.csv")},
                       content_type="multipart/form-data")
    assert page.status_code == 200 and "2 KPI values ready" in page.get_data(as_text=True)
    rows_csv = re.search(r'name="rows_csv" value="([^"]*)"', page.get_data(as_text=True))[1]
    rows_csv = rows_csv.replace("&#10;", "\n").replace("&#34;", '"')
    done = client.post("/kpis/import", data={"confirm": "1", "rows_csv": rows_csv,
                                             "file_name": "nov.csv"})
    assert done.status_code == 302
    assert len(db.session.scalars(select(KpiValue)).all()) == 2
    assert "nov.csv" in client.get("/kpis/import").get_data(as_text=True)
