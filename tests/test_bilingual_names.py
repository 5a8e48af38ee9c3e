"""Names in both languages (issue #18): the organisation's name (header, e-mails, badges),
team names and the recertification slot's label, each edited by admins, each shown in the
reader's language with the default language as the fallback."""

from sqlalchemy import select

from certificates.models import RecertificationSlot
from certificates.services import badges
from courses.models import Course
from lms.core.extensions import db as _db
from lms.people.models import Team
from lms.system.models import OrganisationName
from tests.test_notifications import SMTPSink, sink, smtp  # noqa: F401  (fixtures)


def test_admin_names_the_organisation_and_the_header_follows_the_language(
        db, client, auth, make_person):
    admin = make_person(roles=("admin",))
    auth.login(admin)
    assert "Service Academy" in client.get("/admin/organisation").get_data(as_text=True)
    refused = client.post("/admin/organisation", data={"name": " ", "name_zh": "云禾电器"})
    assert refused.status_code == 422 and db.session.scalar(select(OrganisationName)) is None
    saved = client.post("/admin/organisation", data={"name": "Yunhe Appliances",
                                                     "name_zh": "云禾电器"})
    assert saved.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert 'class="brand"' in page and ">Yunhe Appliances</a>" in page
    assert "<p>Yunhe Appliances — training and certification" in page
    assert "Service Academy" not in page
    admin.locale = "zh_Hans_CN"
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert ">云禾电器</a>" in page and "Yunhe Appliances" not in page
    assert "<p>云禾电器 — 面向客服团队的培训与认证</p>" in page and "服务学院" not in page


def test_the_footer_names_the_product_until_the_organisation_is_named(db, client):
    """No name set: the product's own name, in the page's language."""
    assert "<p>Service Academy — training and certification" in client.get(
        "/login").get_data(as_text=True)
    chinese = client.get("/login", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "<p>服务学院 — 面向客服团队的培训与认证</p>" in chinese


def test_only_admins_name_the_organisation(db, client, auth, make_person):
    auth.login(make_person(roles=("hr",)))
    assert client.post("/admin/organisation", data={"name": "X"}).status_code in (403, 404)
    assert db.session.scalar(select(OrganisationName)) is None


def test_mail_goes_out_under_the_organisation_and_welcomes_in_the_recipients_language(
        app, db, make_person, smtp):  # noqa: F811
    from lms.notifications.services import notify
    from lms.people.services.invitations import send_first_sign_in
    from lms.system.services.organisation import save_name

    save_name(db.session, None, "Yunhe Appliances", "云禾电器")
    agent = make_person(name="李娜", locale="zh_Hans_CN")
    notify(db.session, agent, "test", "你好", "正文")
    db.session.commit()
    (message,) = smtp.messages
    assert message["From"] == "Yunhe Appliances <academy@example.com>"
    send_first_sign_in(db.session, None, agent, "secret", 86400)
    db.session.commit()
    assert "云禾电器" in smtp.messages[-1]["Subject"]


def test_the_badge_issuer_is_the_organisation_with_its_other_name_described(db):
    from lms.system.services.organisation import save_name

    assert badges.issuer_names(db.session)["name"]  # the design's name until one is set
    save_name(db.session, None, "Yunhe Appliances", "云禾电器")
    assert badges.issuer_names(db.session) == {"name": "Yunhe Appliances",
                                               "description": "云禾电器"}
    profile = badges.issuer_profile(db.session)
    assert profile["name"] == "Yunhe Appliances" and profile["description"] == "云禾电器"


def test_team_names_in_both_languages(db, client, auth, make_person):
    admin = make_person(roles=("admin",))
    auth.login(admin)
    added = client.post("/admin/teams/new", data={"name": "Online Chat", "name_zh": "在线客服"})
    assert added.status_code == 302
    client.post("/admin/teams/new", data={"name": "Hotline"})
    team = _db.session.scalar(select(Team).where(Team.name == "Online Chat"))
    assert team.translation("name", "zh_Hans_CN") == "在线客服"
    assert "Online Chat" in client.get("/admin/teams").get_data(as_text=True)
    admin.locale = "zh_Hans_CN"
    db.session.commit()
    page = client.get("/admin/teams").get_data(as_text=True)
    assert "在线客服" in page and "Online Chat" not in page
    # The team without a Chinese name shows its English one, marked.
    assert "Hotline" in page and page.count("data-fallback") == 1
    edit = client.get(f"/admin/teams/{team.id}/edit").get_data(as_text=True)
    assert 'value="在线客服"' in edit


def test_a_recertification_slot_takes_its_chinese_label(db, client, auth, make_person, defaults):
    auth.login(make_person(roles=("admin",)))
    path = defaults["NEWHIRE"]
    saved = client.post(f"/admin/certification/{path.id}/recert-slots", data={
        "code": "RE", "label": "Re-exam", "label_zh": "复认证考试", "kind": "quiz",
        "reference": "7", "pass_mark": "80"})
    assert saved.status_code == 302
    slot = db.session.scalar(select(RecertificationSlot))
    assert slot.translation("label", "zh_Hans_CN") == "复认证考试"
    removed = client.post(f"/admin/certification/{path.id}/recert-slots/{slot.id}/remove",
                          headers={"Accept-Language": "zh-CN"}, follow_redirects=True)
    assert "复认证考试" in removed.get_data(as_text=True)


def test_slot_labels_follow_the_page_language(db, client, auth, make_person, defaults):
    """The path form's weight fields and table, and the certification rules list, name the
    assessments in the page's language (the default slots have both)."""
    auth.login(make_person(roles=("admin",)))
    senior = defaults["SENIOR"]
    chinese = {"Accept-Language": "zh-CN"}
    form = client.get(f"/admin/paths/{senior.id}/edit", headers=chinese).get_data(as_text=True)
    assert "案例分析" in form and "客户评价" in form
    assert "Case analysis" not in form and "Customer evaluation" not in form
    rules = client.get(f"/admin/certification/{senior.id}", headers=chinese).get_data(
        as_text=True)
    assert "<li>案例分析 (" in rules and "Case analysis" not in rules
    english = client.get(f"/admin/certification/{senior.id}").get_data(as_text=True)
    assert "<li>Case analysis (" in english


def test_saved_and_published_messages_name_content_in_the_page_language(
        db, client, auth, make_person, defaults):
    """The editor's confirmations name a course, module or slot as the page shows it: the
    Chinese title on a Chinese page, not the English one."""
    auth.login(make_person(roles=("admin",)))
    chinese = {"Accept-Language": "zh-CN"}
    saved = client.post("/author/courses/new", data={
        "code": "ETQ-9", "title": "Phone etiquette", "title_zh": "电话礼仪"},
        headers=chinese, follow_redirects=True).get_data(as_text=True)
    assert "电话礼仪 已保存" in saved and "Phone etiquette 已保存" not in saved
    course = db.session.scalar(select(Course).where(Course.code == "ETQ-9"))
    added = client.post(f"/author/courses/{course.id}/modules", headers=chinese,
                        data={"title": "Greeting", "title_zh": "问候"}, follow_redirects=True)
    assert "问候" in added.get_data(as_text=True)
    english = client.post(f"/author/courses/{course.id}/settings", data={
        "code": "ETQ-9", "title": "Phone etiquette", "title_zh": "电话礼仪"},
        follow_redirects=True).get_data(as_text=True)
    assert "Phone etiquette has been saved." in english
    path = defaults["NEWHIRE"]
    slot = client.post(f"/admin/certification/{path.id}/recert-slots", headers=chinese, data={
        "code": "RE", "label": "Re-exam", "label_zh": "复认证考试", "kind": "quiz",
        "reference": "7", "pass_mark": "80"}, follow_redirects=True).get_data(as_text=True)
    assert "复认证考试 已保存" in slot
