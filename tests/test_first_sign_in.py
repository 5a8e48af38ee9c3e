"""First sign-in links in the onboarding e-mail, HR's resend, self-service "forgot
password" that never tells whether an address exists, and password sign-in turned off."""

import re

from sqlalchemy import func, select

from lms.core.audit import AuditEntry
from lms.notifications.models import OutboxEmail
from lms.people.models import Person
from lms.people.services import invitations
from tests.conftest import PASSWORD

HEADER = "employee_id,name,email,team,manager_employee_id,mentor_employee_id,hire_date,tier,roles\n"


def _mails_to(db, address: str) -> list[OutboxEmail]:
    return list(db.session.scalars(select(OutboxEmail).where(OutboxEmail.to_address == address)
                                   .order_by(OutboxEmail.id)))


def _link(mail: OutboxEmail) -> str:
    return re.search(r"http://localhost(/\S+)", mail.body).group(1)


def test_hr_adds_a_person_without_password_and_the_link_works_once(client, db, auth,
                                                                    make_person):
    auth.login(make_person(roles=("hr",)))
    answer = client.post("/admin/people/new", data={
        "employee_id": "N1", "name": "Nina", "email": "nina@example.com", "roles": ["agent"]})
    assert answer.status_code == 302
    client.post("/logout")
    [mail] = _mails_to(db, "nina@example.com")
    assert mail.confidential and "/welcome/" in mail.body and "N1" in mail.body
    link = _link(mail)

    page = client.get(link)
    assert page.status_code == 200 and "Choose your password" in page.get_data(as_text=True)
    assert client.post(link, data={"new_password": "a-new-password-1",
                                   "confirm": "a-new-password-1"}).status_code == 302
    assert auth.login("nina@example.com", "a-new-password-1").status_code == 302
    client.post("/logout")
    # Used once: the same link is refused, and nothing changes.
    again = client.get(link)
    assert again.status_code == 400 and "already been used" in again.get_data(as_text=True)
    # A first sign-in link is no reset link, and the other way round.
    assert client.get(link.replace("/welcome/", "/reset/")).status_code == 400


def test_the_onboarding_mail_is_in_the_persons_language(db, make_person, app):
    person = make_person(email="lin@example.com", password=None, locale="zh_Hans_CN")
    invitations.send_first_sign_in(db.session, None, person, app.config["SECRET_KEY"], 7 * 86400)
    db.session.commit()
    [mail] = _mails_to(db, "lin@example.com")
    assert "首次登录" in mail.subject and "7" in mail.body


def test_a_first_sign_in_link_expires(client, db, make_person, app, monkeypatch):
    person = make_person(email="late@example.com", password=None)
    invitations.send_first_sign_in(db.session, None, person, app.config["SECRET_KEY"], 1)
    db.session.commit()
    link = _link(_mails_to(db, "late@example.com")[0])
    monkeypatch.setitem(app.config, "FIRST_SIGN_IN_MAX_AGE_SECONDS", -1)
    page = client.get(link)
    assert page.status_code == 400 and "expired" in page.get_data(as_text=True)


def test_the_csv_import_sends_everyone_the_first_sign_in_mail(client, db, auth, make_person):
    auth.login(make_person(roles=("hr",)))
    text = HEADER + "N1,王小明,n1@example.com,,,,,,agent\nN2,Bo,n2@example.com,,,,,,\n"
    assert client.post("/admin/people/import",
                       data={"confirm": "1", "csv_text": text}).status_code == 302
    for address in ("n1@example.com", "n2@example.com"):
        [mail] = _mails_to(db, address)
        assert "/welcome/" in mail.body


def test_hr_resends_the_first_sign_in_mail(client, db, auth, make_person):
    person = make_person(email="again@example.com", password=None)
    auth.login(make_person(roles=("hr",)))
    answer = client.post(f"/admin/people/{person.id}/welcome")
    assert answer.status_code == 302
    assert len(_mails_to(db, "again@example.com")) == 1
    assert db.session.scalar(select(AuditEntry.action).where(
        AuditEntry.action == "person.send_first_sign_in")) is not None
    person.active = False
    db.session.commit()
    client.post(f"/admin/people/{person.id}/welcome")
    assert len(_mails_to(db, "again@example.com")) == 1  # refused for a deactivated person


def test_forgot_password_answers_the_same_for_known_and_unknown_addresses(client, db,
                                                                           make_person):
    make_person(email="known@example.com")
    known = client.post("/forgot", data={"email": "known@example.com"})
    unknown = client.post("/forgot", data={"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    assert (client.get("/login").get_data(as_text=True).count("a reset link is on its way")
            == 2)
    [mail] = _mails_to(db, "known@example.com")
    assert mail.confidential and "/reset/" in mail.body
    assert _mails_to(db, "nobody@example.com") == []

    link = _link(mail)
    assert client.post(link, data={"new_password": "brand-new-pass-1",
                                   "confirm": "brand-new-pass-1"}).status_code == 302


def test_forgot_password_mails_a_person_at_most_three_times_an_hour(client, db, make_person):
    make_person(email="often@example.com")
    for _ in range(5):
        assert client.post("/forgot", data={"email": "often@example.com"}).status_code == 302
    assert len(_mails_to(db, "often@example.com")) == 3


def test_forgot_password_is_rate_limited(app_config, make_app):
    limited = make_app({**app_config, "RATELIMIT_ENABLED": True}).test_client()
    answers = [limited.post("/forgot", data={"email": f"x{n}@example.com"}).status_code
               for n in range(6)]
    assert answers == [302] * 5 + [429]


def test_deactivated_people_get_no_reset_mail(client, db, make_person):
    person = make_person(email="gone@example.com")
    person.active = False
    db.session.commit()
    assert client.post("/forgot", data={"email": "gone@example.com"}).status_code == 302
    assert _mails_to(db, "gone@example.com") == []


def test_with_local_passwords_off_only_administrators_use_a_password(client, db, auth,
                                                                     make_person):
    admin = make_person(roles=("admin",))
    agent = make_person(email="agent1@example.com")
    auth.login(admin)
    assert client.post("/admin/sign-in/settings", data={}).status_code == 302
    client.post("/logout")

    refused = auth.login(agent)
    assert refused.status_code == 422
    assert "sign in with your company account" in refused.get_data(as_text=True)
    # A wrong password gets the usual answer: nothing tells a guesser the account exists.
    wrong = auth.login(agent, "not-the-password").get_data(as_text=True)
    assert "company account" not in wrong
    assert client.post("/forgot", data={"email": "agent1@example.com"}).status_code == 302
    assert _mails_to(db, "agent1@example.com") == []

    # The break-glass account.
    assert auth.login(admin).status_code == 302
    client.post("/admin/sign-in/settings", data={"local_passwords": "y"})
    client.post("/logout")
    assert auth.login(agent, PASSWORD).status_code == 302


def test_sign_in_settings_are_audited(client, db, auth, make_person):
    auth.login(make_person(roles=("admin",)))
    client.post("/admin/sign-in/settings", data={})
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "identity.local_passwords")) == 1
    assert db.session.scalar(select(Person.id).limit(1)) is not None
