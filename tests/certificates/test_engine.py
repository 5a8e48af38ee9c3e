"""The rules engine: every rule kind blocks an award, boundaries are exact, awards are
idempotent, rules are versioned, approvals and recertification work."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from certificates.models import (
    AwardApproval,
    Certificate,
    CertificationEvaluation,
    CertificationSettings,
    RecertificationSlot,
    RulesVersion,
)
from certificates.services import awards, rules
from certificates.services.missing import describe_all
from lms.core import clock
from lms.core.audit import AuditEntry
from lms.core.errors import DomainError

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _certificates(db, person):
    return db.session.scalars(select(Certificate).where(Certificate.person_id == person.id)
                              .order_by(Certificate.id)).all()


def _evaluation(db, person, path):
    return db.session.scalar(select(CertificationEvaluation).where(
        CertificationEvaluation.person_id == person.id,
        CertificationEvaluation.path_id == path.id))


def _run(db, person):
    awards.evaluate_person(db.session, person)
    db.session.commit()


@pytest.fixture(autouse=True)
def _frozen():
    clock.freeze(T0)


@pytest.mark.parametrize("score, awarded", [("79.99", False), ("80", True), ("80.00", True),
                                            ("79.9999", False), ("100", True)])
def test_pass_mark_boundary(db, make_path, make_person, scores, score, awarded):
    path = make_path()
    person = make_person(tier_id=path.id)
    scores(person, score)
    _run(db, person)
    assert bool(_certificates(db, person)) is awarded
    evaluation = _evaluation(db, person, path)
    assert evaluation.eligible is awarded
    assert evaluation.components == {"EXAM": str(Decimal(score))}
    if not awarded:
        assert evaluation.missing == [{"code": "below", "params": {
            "slot": "Exam slot", "score": str(Decimal(score)), "mark": "80.00"}}]
        # 79.99 and 79.9999 show as 80 % and still do not pass.
        assert describe_all(evaluation.missing) == ("Exam slot 80 %, 80 % required",)


def test_no_result_yet_is_missing_not_an_error(db, make_path, make_person):
    path = make_path()
    person = make_person(tier_id=path.id)
    _run(db, person)
    evaluation = _evaluation(db, person, path)
    assert (evaluation.percent, evaluation.eligible) == (0, False)
    assert describe_all(evaluation.missing) == ("Exam slot: no result yet",)
    assert not _certificates(db, person)


def test_uninstalled_kind_is_not_available(db, make_path, make_person, scores):
    path = make_path(slots=(("EXAM", "scorecard", "", None, "80"),
                            ("PRACTICAL", "nosuchkind", "tier:NEWHIRE", None, "80")))
    person = make_person(tier_id=path.id)
    scores(person, 95)
    _run(db, person)
    evaluation = _evaluation(db, person, path)
    assert evaluation.percent == 50
    assert evaluation.components == {"EXAM": "95", "PRACTICAL": None}
    assert describe_all(evaluation.missing) == (
        "Practical slot not available (this assessment is not installed)",)
    assert not _certificates(db, person)


@pytest.mark.parametrize("case, customer, awarded", [
    # 60 % case + 40 % customer >= 80
    ("80", "80", True), ("90", "65", True), ("79.99", "80", False), ("100", "49.99", False),
    ("66.67", "100", True),  # 40.002 + 40 = 80.002
    ("66.66", "100", False),  # 39.996 + 40 = 79.996: shows as 80.0, does not pass
])
def test_weighted_composite(db, make_path, make_person, scores, case, customer, awarded):
    path = make_path(slots=(("CASE", "scorecard", "case", "60", None),
                            ("CUSTOMER", "scorecard", "customer", "40", None)), composite="80")
    person = make_person(tier_id=path.id)
    scores(person, case, "case")
    scores(person, customer, "customer")
    _run(db, person)
    evaluation = _evaluation(db, person, path)
    expected = (Decimal(case) * 60 + Decimal(customer) * 40) / 100
    assert Decimal(evaluation.composite) == expected
    assert evaluation.eligible is awarded
    assert bool(_certificates(db, person)) is awarded
    if awarded:
        assert Decimal(_certificates(db, person)[0].composite) == expected
    else:
        assert evaluation.missing[0]["code"] == "composite_below"


def test_composite_waits_for_every_component(db, make_path, make_person, scores):
    path = make_path(slots=(("CASE", "scorecard", "case", "60", None),
                            ("CUSTOMER", "scorecard", "customer", "40", None)), composite="80")
    person = make_person(tier_id=path.id)
    scores(person, 100, "case")
    _run(db, person)
    evaluation = _evaluation(db, person, path)
    assert evaluation.composite is None and not evaluation.eligible
    assert describe_all(evaluation.missing) == ("Customer slot: no result yet",)


def test_required_course(db, make_path, make_person, scores, make_course):
    from courses.services import enrolment, progress

    course = make_course("CS-RULES", lessons=("One", "Two"), publish=True)
    path = make_path(courses=[course])
    person = make_person(tier_id=path.id)
    scores(person, 90)
    _run(db, person)
    assert describe_all(_evaluation(db, person, path).missing) == (
        "Course not completed: Course CS-RULES",)
    enrolment.enrol(db.session, None, person, course)
    modules = progress.outline(db.session, [course.id])[course.id]
    for lesson in progress.lessons_of(modules):
        progress.complete_lesson(db.session, person, course, lesson.key)
    db.session.commit()  # the course_completed signal evaluated and awarded
    assert len(_certificates(db, person)) == 1


def test_competency_levels(db, defaults, make_path, make_person, scores):
    from lms.competencies.models import Competency, Evidence

    path = make_path(matrix={"PROD-LINES": 4})
    person = make_person(tier_id=path.id)
    scores(person, 90)
    competency = db.session.scalar(select(Competency).where(Competency.code == "PROD-LINES"))
    db.session.add(Evidence(person_id=person.id, competency_id=competency.id,
                            level=Decimal("3.49"), source_kind="scorecard", source_id="1",
                            observed_at=T0))
    _run(db, person)
    assert describe_all(_evaluation(db, person, path).missing) == (
        "Product lines 3/4 required",)
    db.session.add(Evidence(person_id=person.id, competency_id=competency.id,
                            level=Decimal("3.5"), source_kind="scorecard", source_id="2",
                            observed_at=T0 + timedelta(minutes=1)))
    _run(db, person)
    [certificate] = _certificates(db, person)
    assert certificate.competencies == [{"code": "PROD-LINES", "name": "Product lines",
                                         "name_zh": "产品线", "level": 4, "required": 4}]


def test_prerequisite_must_still_be_valid(db, make_path, make_person, scores):
    base = make_path("BASE", slots=(("EXAM", "scorecard", "base", None, "80"),))
    upper = make_path("UPPER", slots=(("EXAM", "scorecard", "upper", None, "80"),),
                      prerequisite=base)
    person = make_person(tier_id=upper.id)
    scores(person, 90, "upper")
    _run(db, person)
    assert describe_all(_evaluation(db, person, upper).missing) == (
        "A valid Path BASE certificate is required",)
    scores(person, 90, "base")
    _run(db, person)  # base first, then upper sees it
    assert [c.path_id for c in _certificates(db, person)] == [base.id, upper.id]

    # Revoked or expired prerequisites do not count.
    other = make_person(tier_id=upper.id)
    scores(other, 90, "base")
    _run(db, other)
    [base_certificate] = _certificates(db, other)
    awards.revoke(db.session, None, base_certificate, "Exam taken by someone else")
    scores(other, 95, "upper")
    _run(db, other)
    assert [c.path_id for c in _certificates(db, other)] == [base.id]
    # ...and the same evidence does not re-certify on its own: HR decides.
    assert db.session.scalar(select(AwardApproval.path_id).where(
        AwardApproval.person_id == other.id)) == base.id


def test_awards_are_idempotent(db, make_path, make_person, scores):
    path = make_path()
    person = make_person(tier_id=path.id)
    scores(person, 90)
    for _ in range(3):
        _run(db, person)
    [certificate] = _certificates(db, person)
    assert certificate.achievement_key == f"{person.id}:{path.id}:1"
    assert certificate.serial == "TESTPATH-2026-00001"
    assert certificate.expires_on == date(2027, 3, 2)
    assert certificate.holder_name == person.name
    assert len(certificate.verify_code) >= 24
    # The database refuses a second certificate for the same achievement.
    with pytest.raises(Exception):  # noqa: B017  (IntegrityError from either driver)
        with db.session.begin_nested():
            db.session.add(Certificate(
                serial="X-1", verify_code="x", achievement_key=certificate.achievement_key,
                person_id=person.id, path_id=path.id,
                rules_version_id=certificate.rules_version_id, holder_name="x", path_name="x",
                issued_on=T0.date(), expires_on=T0.date(), validity_months=12))
    db.session.rollback()


def test_ineligible_evaluation_is_never_issued(db, make_path, make_person, scores):
    path = make_path()
    person = make_person(tier_id=path.id)
    scores(person, "79.99")
    _run(db, person)
    with pytest.raises(DomainError, match="has not met every rule"):
        awards.issue(db.session, None, person, path, _evaluation(db, person, path))


def test_rules_are_versioned(db, make_path, make_person, scores):
    path = make_path()
    person = make_person(tier_id=path.id)
    scores(person, 85)
    _run(db, person)
    first = _certificates(db, person)[0]
    assert first.rules_version.number == 1
    assert first.rules_version.snapshot["slots"][0]["pass_mark"] == "80.00"
    path.slots[0].pass_mark = Decimal("90")
    db.session.commit()
    other = make_person(tier_id=path.id)
    scores(other, 85)
    _run(db, other)
    assert not _certificates(db, other)
    assert _evaluation(db, other, path).rules_version.number == 2
    assert db.session.scalar(select(func.count()).select_from(RulesVersion)) == 2
    assert first.rules_version.snapshot["slots"][0]["pass_mark"] == "80.00"


def test_validity_change_applies_to_new_awards(db, make_path, make_person, scores):
    path = make_path(validity_months=12)
    first = make_person(tier_id=path.id)
    scores(first, 85)
    _run(db, first)
    path.validity_months = 24
    db.session.commit()
    second = make_person(tier_id=path.id)
    scores(second, 85)
    _run(db, second)
    assert _certificates(db, first)[0].expires_on == date(2027, 3, 2)
    assert _certificates(db, second)[0].expires_on == date(2028, 3, 2)


def test_approval_step(db, make_path, make_person, scores):
    path = make_path()
    approver = make_person(roles=("manager",))
    db.session.add(CertificationSettings(path_id=path.id, require_approval=True,
                                         approver_id=approver.id))
    db.session.commit()
    person = make_person(tier_id=path.id)
    scores(person, 90)
    _run(db, person)
    _run(db, person)
    [approval] = db.session.scalars(select(AwardApproval)).all()
    assert approval.status == "pending" and not _certificates(db, person)
    from lms.notifications.models import Notification
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.person_id == approver.id)) == 1
    scores(person, 70)  # no longer eligible: approval is refused and stays open
    with pytest.raises(DomainError, match="no longer meets"):
        awards.decide_approval(db.session, approver, approval, True)
    db.session.rollback()
    scores(person, 90)
    certificate = awards.decide_approval(db.session, approver, approval, True)
    db.session.commit()
    assert certificate.approver_id == approver.id and approval.status == "approved"
    with pytest.raises(DomainError, match="already been decided"):
        awards.decide_approval(db.session, approver, approval, True)


def test_decline_needs_a_reason(db, make_path, make_person, scores):
    path = make_path()
    db.session.add(CertificationSettings(path_id=path.id, require_approval=True))
    db.session.commit()
    hr = make_person(roles=("hr",))
    person = make_person(tier_id=path.id)
    scores(person, 90)
    _run(db, person)
    approval = db.session.scalar(select(AwardApproval))
    with pytest.raises(DomainError, match="why"):
        awards.decide_approval(db.session, hr, approval, False, "  ")
    awards.decide_approval(db.session, hr, approval, False, "Evidence under review")
    db.session.commit()
    assert approval.status == "rejected" and approval.pending_key is None


def test_recertification_route(db, make_path, make_person, scores):
    path = make_path(slots=(("EXAM", "scorecard", "full", None, "80"),))
    db.session.add(RecertificationSlot(path_id=path.id, code="REEXAM", label="Short re-exam",
                                       kind="scorecard", reference="short",
                                       pass_mark=Decimal("80")))
    db.session.commit()
    person = make_person(tier_id=path.id)
    scores(person, 90, "full")
    _run(db, person)
    [first] = _certificates(db, person)
    # Outside the window the person is simply certified; nothing new is issued.
    scores(person, 95, "short")
    _run(db, person)
    assert len(_certificates(db, person)) == 1
    # 60 days before expiry the shorter route applies.
    clock.freeze(datetime(2027, 1, 1, 9, tzinfo=UTC))
    _run(db, person)
    first_id = first.id
    certificates = _certificates(db, person)
    assert len(certificates) == 2
    renewed = certificates[1]
    assert renewed.previous_id == first_id and renewed.route == "recert"
    assert renewed.expires_on == date(2028, 1, 1)
    _run(db, person)
    assert len(_certificates(db, person)) == 2


def test_recertification_needs_a_re_exam_taken_inside_the_window(db, make_path, make_person,
                                                                 scores):
    path = make_path(slots=(("EXAM", "scorecard", "full", None, "80"),))
    db.session.add(RecertificationSlot(path_id=path.id, code="REEXAM", label="Short re-exam",
                                       kind="scorecard", reference="short",
                                       pass_mark=Decimal("80")))
    db.session.commit()
    person = make_person(tier_id=path.id)
    scores(person, 90, "full")
    _run(db, person)
    [first] = _certificates(db, person)
    opens = first.expires_on - timedelta(days=90)  # the path's recertification window
    # A re-exam passed months before the window opened does not renew the certificate.
    scores(person, 95, "short", at=datetime(2026, 6, 1, 9, tzinfo=UTC))
    clock.freeze(datetime(2027, 1, 1, 9, tzinfo=UTC))
    _run(db, person)
    assert len(_certificates(db, person)) == 1
    evaluation = _evaluation(db, person, path)
    assert evaluation.route == "recert" and not evaluation.eligible
    assert describe_all(evaluation.missing) == (
        f"Short re-exam was taken before the recertification window opened on "
        f"{opens.isoformat()}: take it again",)
    # Taken on the window's first day, it does.
    scores(person, 95, "short", at=datetime.combine(opens, datetime.min.time(), tzinfo=UTC))
    _run(db, person)
    assert [c.route for c in _certificates(db, person)] == ["initial", "recert"]


def test_recertification_missing_items(db, make_path, make_person, scores):
    path = make_path(slots=(("EXAM", "scorecard", "full", None, "80"),))
    db.session.add(RecertificationSlot(path_id=path.id, code="REEXAM", label="Short re-exam",
                                       kind="scorecard", reference="short",
                                       pass_mark=Decimal("80")))
    db.session.commit()
    person = make_person(tier_id=path.id)
    scores(person, 90, "full")
    _run(db, person)
    clock.freeze(datetime(2027, 4, 1, 9, tzinfo=UTC))  # expired a month ago, in the grace
    _run(db, person)
    evaluation = _evaluation(db, person, path)
    assert evaluation.route == "recert"
    assert describe_all(evaluation.missing) == ("Short re-exam: no result yet",)


def test_revoke_reinstate_and_correct_name(db, make_path, make_person, scores):
    path = make_path()
    hr = make_person(roles=("hr",))
    person = make_person(tier_id=path.id, name="Wang Fang")
    scores(person, 90)
    _run(db, person)
    [certificate] = _certificates(db, person)
    with pytest.raises(DomainError):
        awards.revoke(db.session, hr, certificate, "")
    awards.revoke(db.session, hr, certificate, "Issued in error")
    with pytest.raises(DomainError, match="already revoked"):
        awards.revoke(db.session, hr, certificate, "again")
    awards.reinstate(db.session, hr, certificate, "Checked again: valid")
    awards.correct_name(db.session, hr, certificate, "王芳", "Legal name in Chinese")
    with pytest.raises(DomainError, match="already carries"):
        awards.correct_name(db.session, hr, certificate, "王芳", "again")
    db.session.commit()
    assert certificate.status == "valid" and certificate.holder_name == "王芳"
    assert certificate.revision == 2 and certificate.serial == "TESTPATH-2026-00001"
    assert [e.action for e in certificate.events] == [
        "issued", "revoked", "reinstated", "name_corrected"]
    assert certificate.events[-1].details["before"] == "Wang Fang"
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.object_type == "Certificate").order_by(AuditEntry.id)).all()
    assert actions == ["certificate.issue", "certificate.revoked", "certificate.reinstated",
                       "certificate.name_corrected"]
    # After a revocation the engine queues the next award for HR instead of re-issuing.
    awards.revoke(db.session, hr, certificate, "Fraud")
    db.session.commit()
    _run(db, person)
    assert len(_certificates(db, person)) == 1
    assert db.session.scalar(select(AwardApproval.status)) == "pending"


def test_add_months_clamps():
    assert awards.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert awards.add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)
    assert awards.add_months(date(2026, 3, 2), 120) == date(2036, 3, 2)


def test_route_for_window():
    document = {"recert": {"slots": [{}], "window_days": 90, "grace_days": 90}}
    held = Certificate(expires_on=date(2027, 3, 2))
    assert rules.route_for(document, held, date(2026, 12, 1)) == "initial"
    assert rules.route_for(document, held, date(2026, 12, 2)) == "recert"
    assert rules.route_for(document, held, date(2027, 5, 31)) == "recert"
    assert rules.route_for(document, held, date(2027, 6, 1)) == "initial"
