"""Review packs: the HTML stage, the PDF's text and fonts, who may have whose, the team zip
(its job: tests/reports/test_pack_jobs.py)."""

import io
import shutil
import subprocess
import zipfile

import pytest
from flask_babel import force_locale
from pypdf import PdfReader
from sqlalchemy import select

from assessments.review360.models import Cycle, Rater, Subject
from assessments.review360.services import groups as rater_groups
from certificates.models import Certificate
from reports.services import review_pack
from tests.reports.heatmap_world import build


def _pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _font_names(pdf: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.values():
            names.add(str(ref.get_object()["/BaseFont"]))
    return names


def test_pack_of_a_certified_person_and_a_360_subject(app, db, demo_org, tmp_path):
    certified = demo_org["E0102"]           # 陈静: the demo new hire who meets every rule
    serials = db.session.scalars(select(Certificate.serial).where(
        Certificate.person_id == certified.id)).all()
    assert serials
    with app.test_request_context():
        html = review_pack.pack_html(db.session, certified)
        pdf = review_pack.pack_pdf(db.session, certified)
    assert "陈静" in html and "E0102" in html and all(s in html for s in serials)
    assert "Certified" in html and "Active listening" in html and "Role-play" in html
    assert "data:image/svg+xml;base64," in html
    text = _pdf_text(pdf)
    assert "陈静" in text and serials[0] in text and "Review pack" in text
    assert any("CJK" in name for name in _font_names(pdf))
    if shutil.which("pdffonts"):
        (tmp_path / "pack.pdf").write_bytes(pdf)
        fonts = subprocess.run(["pdffonts", str(tmp_path / "pack.pdf")], capture_output=True,
                               text=True, check=True).stdout
        assert "CJK" in fonts

    # A 360 subject: weighted scores and shown groups only; no anonymous rater is named.
    # The pack shows each person's latest closed cycle: take a subject of the latest one.
    subject = db.session.scalars(select(Subject).join(Cycle).where(
        Cycle.closed_at.is_not(None), Subject.score.is_not(None))
        .order_by(Cycle.closed_at.desc(), Subject.id)).first()
    person = subject.person
    with app.test_request_context():
        html = review_pack.pack_html(db.session, person)
    assert subject.cycle.title in html and "Weighted score" in html
    hidden = {r.person.name for r in db.session.scalars(select(Rater).where(
        Rater.subject_id == subject.id)) if r.person is not None
        and rater_groups.is_anonymous(r.group)} - {person.name, person.manager.name
                                                   if person.manager else ""}
    assert hidden and not any(name in html for name in hidden)


def test_pack_filename_is_ascii_safe():
    assert review_pack.pack_filename("E0113", "Zoë Müller") == "E0113-Zoe-Muller.pdf"
    assert review_pack.pack_filename("E0101", "刘洋") == "E0101.pdf"
    assert review_pack.pack_filename("E/../1", "../../etc <x>") == "E-1-etc-x.pdf"


@pytest.fixture
def world(db, defaults, make_person, make_team):
    return build(db, defaults, make_person, make_team)


@pytest.mark.parametrize(("actor", "target", "status"), [
    ("a2", "a2", 200), ("a2", "a1", 404),            # agents: themselves only
    ("mentor", "a1", 200), ("mentor", "a2", 404),    # mentors: their mentees
    ("manager", "a1", 200), ("manager", "b1", 404),  # managers: their line
    ("hr", "b1", 200),                               # HR: everyone
])
def test_who_may_have_whose_pack(client, auth, world, actor, target, status):
    auth.login(getattr(world, actor))
    response = client.get(f"/reports/people/{getattr(world, target).id}/review-pack.pdf")
    assert response.status_code == status
    if status == 200:
        assert response.mimetype == "application/pdf"
        assert getattr(world, target).employee_id in _pdf_text(response.data)
    else:
        assert getattr(world, target).name not in response.get_data(as_text=True)


def test_pack_renders_in_the_readers_language(client, auth, db, world):
    world.hr.locale = "zh_Hans_CN"
    db.session.commit()
    auth.login(world.hr)
    text = _pdf_text(client.get(f"/reports/people/{world.a1.id}/review-pack.pdf").data)
    assert "评估资料包" in text and "王小明" in text


def test_pack_names_the_team_in_the_readers_language(app, db, world):
    world.team_a.set_translation("zh_Hans_CN", "name", "阿尔法组")
    db.session.commit()
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        chinese = review_pack.pack_html(db.session, world.a1)
    with app.test_request_context():
        english = review_pack.pack_html(db.session, world.a1)
    assert "阿尔法组" in chinese and "Alpha 甲队" not in chinese
    assert "Alpha 甲队" in english and "阿尔法组" not in english


def _packs(client, team_id):
    """(status, {name: bytes}) of asking for a team's packs, then downloading the zip (the
    job runs in a thread, which the testing app waits for)."""
    response = client.post(f"/reports/teams/{team_id}/review-packs")
    if response.status_code != 302:
        return response.status_code, {}
    page = response.headers["Location"]
    assert client.get(page + ".json").get_json()["status"] == "done"
    with client.get(page + "/download") as download:
        assert download.mimetype == "application/zip"
        archive = zipfile.ZipFile(io.BytesIO(download.data))
        return 200, {name: archive.read(name) for name in archive.namelist()}


def test_team_zip_holds_the_readers_scope_only(client, auth, world):
    auth.login(world.manager)
    status, packs = _packs(client, world.team_a.id)
    assert status == 200
    assert {"A0001.pdf", "A0002-Zoe-b-Muller-b.pdf",
            f"{world.manager.employee_id}-Mgr-Alpha.pdf"} == set(packs)  # not the mentor
    assert all(pdf.startswith(b"%PDF") for pdf in packs.values())
    assert _packs(client, world.team_b.id)[0] == 404
    assert _packs(client, 999999)[0] == 404
    auth.logout()
    auth.login(world.a1)
    assert _packs(client, world.team_a.id)[0] == 403
    auth.logout()
    auth.login(world.hr)
    status, packs = _packs(client, world.team_b.id)
    assert "B0001-Bravo-Person.pdf" in packs


def test_names_with_markup_print_as_text_in_body_and_footer(client, auth, db, world):
    world.a2.name = "Zoë <b>O'Connor</b> & Co"
    db.session.commit()
    auth.login(world.hr)
    text = _pdf_text(client.get(f"/reports/people/{world.a2.id}/review-pack.pdf").data)
    assert text.count("Zoë <b>O'Connor</b> & Co · A0002") >= 2   # heading and page footer
    assert "&#39;" not in text and "&amp;" not in text
