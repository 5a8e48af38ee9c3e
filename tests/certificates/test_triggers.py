"""What runs the engine: a real quiz attempt (the quiz kind's signal), a tier change, the
evaluate-certifications command; and the 60/30/7-day expiry reminders (idempotent)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from certificates.models import Certificate, CertificationEvaluation
from certificates.services import awards
from certificates.services.reminders import expiry_reminders
from lms.core import clock
from lms.notifications.models import Notification
from lms.paths.models import AssessmentSlot

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _count(db, model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_passed_quiz_issues_the_certificate(db, defaults, make_path, make_person):
    from assessments.quiz.demo import build_exam
    from certificates.demo import sit_exam

    clock.freeze(T0)
    exam = build_exam(db.session)
    path = make_path("QUIZPATH", slots=(("EXAM", "quiz", str(exam.id), None, "80"),))
    failing, passing = make_person(tier_id=path.id), make_person(tier_id=path.id)
    sit_exam(db.session, failing, exam, wrong=7)  # 23/30 = 76.67 %
    sit_exam(db.session, passing, exam)
    db.session.commit()
    assert _count(db, Certificate, Certificate.person_id == failing.id) == 0
    evaluation = db.session.scalar(select(CertificationEvaluation).where(
        CertificationEvaluation.person_id == failing.id))
    assert Decimal(evaluation.components["EXAM"]) < 80
    assert evaluation.missing[0]["code"] == "below"
    [certificate] = db.session.scalars(select(Certificate).where(
        Certificate.person_id == passing.id)).all()
    assert Decimal(certificate.components["EXAM"]) == 100


def test_a_slot_naming_an_unknown_quiz_is_not_available(db, make_path, make_person):
    path = make_path("NOQUIZ", slots=(("EXAM", "quiz", "999999", None, "80"),))
    person = make_person(tier_id=path.id)
    evaluation = awards.evaluate_person(db.session, person)[0]
    assert evaluation.missing == [{"code": "unavailable", "params": {"slot": "Exam slot"}}]


def test_a_tier_change_evaluates(db, make_path, make_person, scores):
    from lms.people.services.directory import PersonData, update_person

    path = make_path("TIERED")
    person = make_person()
    scores(person, 95)
    assert _count(db, CertificationEvaluation) == 0
    data = PersonData(employee_id=person.employee_id, name=person.name, email=person.email,
                      roles=("agent",), tier_id=path.id, hire_date=person.hire_date)
    update_person(db.session, None, person, data)
    db.session.commit()
    assert _count(db, Certificate, Certificate.person_id == person.id) == 1


def test_evaluate_certifications_command(db, runner, make_path, make_person, scores):
    path = make_path("CLIPATH")
    people = [make_person(tier_id=path.id) for _ in range(3)]
    path.slots.append(AssessmentSlot(code="MORE", label="More", kind="scorecard",
                                     reference="more", pass_mark=Decimal("50")))
    db.session.commit()
    for person in people:
        scores(person, 90)
        scores(person, 60, "more")
    result = runner.invoke(args=["evaluate-certifications", "--person", people[0].employee_id])
    assert result.exit_code == 0, result.output
    assert "Evaluated 1 people; 1 certificates issued." in result.output
    result = runner.invoke(args=["evaluate-certifications"])
    assert "2 certificates issued" in result.output
    bad = runner.invoke(args=["evaluate-certifications", "--person", "NOPE"])
    assert bad.exit_code != 0 and "NOPE" in bad.output


def test_expiry_reminders_60_30_7_once_each(db, runner, make_path, make_person, scores):
    clock.freeze(T0)
    path = make_path("EXPIRE")
    person = make_person(tier_id=path.id)
    scores(person, 90)
    awards.evaluate_person(db.session, person)
    db.session.commit()
    expires = db.session.scalar(select(Certificate.expires_on))

    def on(days_before):
        clock.freeze(datetime.combine(expires - timedelta(days=days_before),
                                      datetime.min.time(), tzinfo=UTC))
        made = expiry_reminders(db.session, clock.today())
        db.session.commit()
        return made

    assert on(61) == 0
    assert on(60) == 1 and on(59) == 0 and on(45) == 0
    assert on(30) == 1 and on(10) == 0
    result = runner.invoke(args=["send-expiry-reminders"])  # clock still 10 days before
    assert "0 expiry reminders sent." in result.output
    assert on(7) == 1 and on(1) == 0 and on(0) == 0
    assert on(-1) == 0  # expired: no more reminders
    subjects = db.session.scalars(select(Notification.subject).where(
        Notification.kind == "certificate-expiry")).all()
    assert len(subjects) == 3 and all("Path EXPIRE" in s for s in subjects)


def test_send_reminders_includes_expiry(db, runner, make_path, make_person, scores):
    clock.freeze(T0)
    path = make_path("EXPIRE2", validity_months=1)
    person = make_person(tier_id=path.id)
    scores(person, 90)
    awards.evaluate_person(db.session, person)
    db.session.commit()
    runner.invoke(args=["send-reminders"])
    runner.invoke(args=["send-reminders"])
    assert _count(db, Notification, Notification.kind == "certificate-expiry") == 1
