"""Content in the reader's language: the demo agent walks every page an agent sees — My path,
a course, a lesson, a knowledge check, the exam and its review, a role-play brief and chat, a
360 form, the notifications, the transcript PDF — and a certified demo agent opens their
certificate PDF; no page or PDF shows words of the other language, apart from people's names,
language names and codes (an allowlist); links (the PDFs' verification address) are left out.

In Chinese that means no Latin-letter words; in English no Chinese characters.
"""

import re
import subprocess

import pytest
from playwright.sync_api import expect
from sqlalchemy import and_, select

from lms.core.extensions import db
from tests.e2e.pages import (
    AuditedPage,
    chat_lines,
    login_as,
    send_chat,
    sign_in,
    sign_out,
    switch_language,
)

pytestmark = pytest.mark.e2e

LINK = re.compile(r"\S+://\S+|[A-Za-z0-9_.~-]{24,}")  # links and their tokens (codes)
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
HAN_RUN = re.compile(r"[\u3400-\u9fff]+")
# Words that are names in any language: the product app, the browser feature some pages ask
# for, the language switcher's own names, and the parts of the IANA time-zone code sessions
# are scheduled in (codes and acronyms are all capitals).
ALLOWED = {"App", "JavaScript", "English", "简体中文", "Asia", "Shanghai"}
SCENARIO = "Smart band will not sync"
CHAT_LINE = {"zh": "非常抱歉让您联系了五次。方便告诉我工单号吗？",
             "en": "I'm so sorry you've had to contact us five times. Your ticket number?"}


def _names() -> set[str]:
    """Every word and Han run of the demo's people's names (proper names are allowed)."""
    from lms.people.models import Person

    words: set[str] = set()
    for name in db.session.scalars(select(Person.name)):
        words.update(LATIN_WORD.findall(name))
        words.update(HAN_RUN.findall(name))
    return words


def _foreign_words(text: str, language: str, names: set[str]) -> list[str]:
    """The words of `text` in the other language that are neither names nor codes."""
    if language == "zh":
        found = [w for w in LATIN_WORD.findall(text)
                 if not w.isupper()  # codes and acronyms: NH-BASICS, PDF, CRM, VIP
                 and w.strip("'’") not in ALLOWED | names]
    else:
        found = [w for w in HAN_RUN.findall(text) if w not in ALLOWED | names]
    return sorted(set(found))


class Walk:
    """Visits pages and collects, per page, the words in the wrong language."""

    def __init__(self, page: AuditedPage, language: str):
        self.page, self.language = page, language
        self.names = _names()
        db.session.remove()
        self.problems: dict[str, list[str]] = {}

    def check(self, label: str) -> None:
        text = self.page.raw.locator("main").inner_text() + "\n" + self.page.raw.title()
        words = _foreign_words(text, self.language, self.names)
        if words:
            self.problems[f"{label} ({self.page.path})"] = words

    def visit(self, label: str, path: str) -> None:
        self.page.goto(path)
        self.check(label)

    def pdf(self, label: str, path: str) -> None:
        """Fetch a PDF with the page's session and check its text (pdftotext)."""
        response = self.page.raw.request.get(self.page.base_url + path)
        assert response.ok, (path, response.status)
        text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=response.body(),
                              capture_output=True, check=True).stdout.decode()
        words = _foreign_words(LINK.sub(" ", text), self.language, self.names)
        if words:
            self.problems[f"{label} ({path})"] = words


def _ids():
    from assessments.quiz.demo import EXAM_TITLE
    from assessments.quiz.models import Quiz
    from assessments.roleplay.models import Scenario
    from courses.models import Course, CourseModule, CourseVersion, Lesson

    course = db.session.scalar(select(Course).where(Course.code == "NH-BASICS"))
    lesson = db.session.scalar(
        select(Lesson).join(CourseModule).join(CourseVersion, and_(
            CourseVersion.id == CourseModule.version_id,
            CourseVersion.number == course.published_version))
        .where(CourseVersion.course_id == course.id)
        .order_by(CourseModule.position, Lesson.position))
    check = db.session.scalar(select(Quiz.id).where(Quiz.lesson_key == lesson.key))
    exam = db.session.scalar(select(Quiz.id).where(Quiz.title == EXAM_TITLE))
    scenario = db.session.scalar(select(Scenario.id).where(Scenario.title == SCENARIO))
    return course.id, lesson.key, check, exam, scenario


def _person_id(employee_id_or_email: str) -> int:
    from lms.people.models import Person

    found = db.session.scalar(select(Person.id).where(
        (Person.employee_id == employee_id_or_email) | (Person.email == employee_id_or_email)))
    db.session.remove()
    return found


def _certified_agent() -> tuple[str, int]:
    """(e-mail, certificate id) of a demo agent holding a valid new-hire certificate."""
    from certificates.models import Certificate
    from lms.people.models import Person

    email, certificate_id = db.session.execute(
        select(Person.email, Certificate.id).join(Certificate, Certificate.person_id == Person.id)
        .where(Person.employee_id == "E0102", Certificate.status == "valid")).first()
    db.session.remove()
    return email, certificate_id


def _invite_the_agent_to_a_360() -> None:
    """The demo's open 360: the manager approves the list, which invites the demo agent."""
    from assessments.review360.demo import DEMO_SUBJECT
    from assessments.review360.models import Subject
    from assessments.review360.services import nominations
    from lms.people.models import Person

    person = db.session.scalar(select(Person).where(Person.employee_id == DEMO_SUBJECT))
    subject = db.session.scalars(select(Subject).where(Subject.person_id == person.id)
                                 .order_by(Subject.id.desc())).first()
    nominations.approve(db.session, person.manager, subject)
    db.session.commit()


def _start_attempt(page: AuditedPage) -> None:
    page.click(page.raw.locator('main form[action$="/start"] button[type=submit]'))


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_demo_agent_reads_every_page_in_one_language(page, demo, language):
    course_id, lesson_key, check_id, exam_id, scenario_id = _ids()
    _invite_the_agent_to_a_360()
    db.session.remove()
    walk = Walk(page, language)
    login_as(page, "agent")
    if language == "zh":
        switch_language(page, "简体中文")
    walk.check("home")
    walk.visit("my path", "/my-path")
    walk.visit("course", f"/courses/{course_id}")
    walk.visit("lesson", f"/courses/{course_id}/lessons/{lesson_key}")
    walk.visit("knowledge check", f"/quizzes/{check_id}")
    _start_attempt(page)
    walk.check("knowledge check attempt")
    walk.visit("exam", f"/quizzes/{exam_id}")
    _start_attempt(page)
    walk.check("exam attempt")
    page.click(page.raw.locator('main button[name="action"][value="finish"]'))
    walk.check("exam summary")
    page.click(page.raw.locator('main form[action$="/submit"] button[type=submit]'))
    walk.check("exam review")
    walk.visit("role-plays", "/roleplays")
    walk.visit("role-play brief", f"/roleplays/scenarios/{scenario_id}")
    page.raw.locator('select[name="customer_side"]').select_option("script")
    page.click(page.raw.locator("main form:has(select[name=customer_side]) "
                                "button[type=submit]"))
    send_chat(page, CHAT_LINE[language])
    assert len(chat_lines(page)) == 3  # the opening, the agent, the customer's answer
    walk.check("role-play chat")
    walk.visit("360", "/360")
    page.click(page.raw.locator('main a[href^="/360/respond/"]').first)
    expect(page.raw.locator("main form fieldset.question").first).to_be_visible()
    walk.check("360 form")
    walk.visit("notifications", "/notifications")
    walk.pdf("transcript PDF", f"/people/{_person_id('E0101')}/transcript.pdf")
    # A certified demo agent's certificate (agent@ has none yet).
    holder, certificate_id = _certified_agent()
    sign_out(page)
    page.goto("/login")
    sign_in(page, holder)
    if language == "zh":
        switch_language(page, "简体中文")
    walk.pdf("certificate PDF", f"/certificates/{certificate_id}/certificate.pdf")
    walk.pdf("transcript PDF of a holder", f"/people/{_person_id(holder)}/transcript.pdf")
    assert not walk.problems, walk.problems
