"""The demo organisation shows every role's work (issue #18): about 150 people in six teams,
the README's log-ins as one chain, a year of new-hire certificates (some expiring in the next
60/30/7 days, some expired), mentors and managers holding the tier below theirs, a manager
evaluated by her direct reports, overdue feedback in the demo mentor's queue, the heat map in
every colour and "Service first" open to everyone."""

from sqlalchemy import select, true

from assessments.review360.models import Cycle, Subject
from assessments.roleplay.services.queue import queue_for
from certificates.models import Certificate
from courses.models import Course
from lms.core import clock
from lms.demo import STAFF_CERTIFIED, TEAM_MENTORS, certified_days_ago, generated_agents
from lms.paths.models import CertificationPath
from lms.people.models import Team
from reports.services import heatmap
from reports.services.filters import ReportFilters


def test_about_150_people_in_six_teams(db, demo_org):
    people = list(demo_org.values())
    assert 140 <= len(people) <= 160
    root = db.session.scalar(select(Team).where(Team.parent_id.is_(None)))
    teams = db.session.scalars(select(Team).where(Team.parent_id == root.id)).all()
    assert len(teams) == 6
    for team in teams:
        members = [p for p in people if p.team_id == team.id and p.active]
        if team.name != "Training & Quality":  # the trainers' own small team
            assert any(p.has_role("mentor") for p in members) and len(members) >= 15, team.name
    assert len({p.name for p in people}) == len(people)  # nobody shares a name


def test_the_readme_log_ins_are_one_chain(demo_org):
    agent, mentor, manager = demo_org["E0101"], demo_org["E0020"], demo_org["E0011"]
    assert agent.email == "agent@demo.example" and agent.mentor_id == mentor.id
    assert mentor.email == "mentor@demo.example" and agent.manager_id == manager.id
    assert manager.email == "manager@demo.example"
    assert TEAM_MENTORS["Hotline — Shanghai"][1] == "E0020"


def _newhire(db):
    return db.session.scalar(select(CertificationPath).where(CertificationPath.code == "NEWHIRE"))


def test_a_year_of_certificates_some_expiring_some_expired(db, demo_org):
    today = clock.today()
    held = db.session.scalars(select(Certificate).where(
        Certificate.path_id == _newhire(db).id, Certificate.status == "valid")).all()
    expected = len(STAFF_CERTIFIED) + sum(
        certified_days_ago(hired) is not None for *_rest, hired in generated_agents())
    assert len(held) >= expected > 60
    left = [(c.expires_on - today).days for c in held]
    for window in (7, 30, 60):
        assert any(0 <= days <= window for days in left), window
    assert sum(days < 0 for days in left) >= 3  # expired, waiting for the re-exam
    issued = {c.issued_on.replace(day=1) for c in held}
    assert len(issued) >= 12  # issued month by month over the year
    # Expired ones are not silently re-issued: the engine asks for the re-exam.
    expired = [c for c in held if c.expires_on < today]
    for certificate in expired:
        newer = [c for c in held if c.person_id == certificate.person_id
                 and c.issued_on > certificate.issued_on]
        assert not newer


def test_mentors_and_managers_hold_the_new_hire_certificate(db, demo_org):
    holders = set(db.session.scalars(select(Certificate.person_id).where(
        Certificate.path_id == _newhire(db).id, Certificate.status == "valid",
        Certificate.expires_on >= clock.today())))
    staff = [p for p in demo_org.values() if p.active and
             (p.has_role("mentor") or p.has_role("manager"))]
    assert len(staff) >= 14
    assert all(p.id in holders for p in staff), [p.employee_id for p in staff
                                                  if p.id not in holders]


def test_the_demo_manager_is_evaluated_by_her_direct_reports(db, demo_org):
    subject = db.session.scalar(select(Subject).join(Cycle).where(
        Subject.person_id == demo_org["E0011"].id, Cycle.closed_at.is_(None)))
    assert subject is not None and subject.rated_as_manager
    reports = [r for r in subject.raters if r.group == "direct_report"]
    answered = [r for r in reports if r.response is not None and r.response.submitted_at]
    assert len(reports) > len(answered) >= 3
    # agent@ is one of her reports and has not answered yet (the README's chain).
    assert any(r.person_id == demo_org["E0101"].id and r not in answered for r in reports)


def test_overdue_feedback_in_the_demo_mentors_queue(db, demo_org):
    rows = queue_for(db.session, demo_org["E0020"], clock.now())
    assert any(row.overdue for row in rows)


def test_the_heat_map_shows_every_colour(db, demo_org):
    colours = {cell.colour for team in heatmap.team_heat(db.session, true(), ReportFilters())
               for cell in team.cells.values()}
    assert {"green", "yellow", "orange", "red"} <= colours


def test_service_first_is_open_to_everyone(db, demo_org):
    course = db.session.scalar(select(Course).where(Course.code == "SVC-FIRST"))
    assert course is not None and course.self_enrol and course.status == "published"


def test_generated_hire_dates_span_two_years():
    hired = [days for *_rest, days in generated_agents()]
    assert max(hired) >= 700 and min(hired) <= 10
    # a new intake still in training: no certificate yet
    assert sum(certified_days_ago(days) is None for days in hired) >= 20


def test_nobody_in_the_demo_shares_a_name_with_a_scenario_customer(demo_org):
    customers = ("钱悦", "邓伟", "唐丽", "冯涛", "曹志远", "孙浩", "李伟", "陈晓华")
    names = {p.name for p in demo_org.values()}
    assert not names & set(customers)


def test_every_tier_has_certificate_holders_who_earned_them(db, demo_org):
    """Mentors hold the senior certificate and managers the manager one (issue #18), each
    issued by the engine after an approval, at ages from weeks to nearly a year."""
    from certificates.demo_leaders import MANAGER_DAYS, SENIOR_DAYS
    from certificates.models import AwardApproval

    today = clock.today()
    for code, expected in (("SENIOR", SENIOR_DAYS), ("MANAGER", MANAGER_DAYS)):
        path = db.session.scalar(select(CertificationPath).where(CertificationPath.code == code))
        held = db.session.scalars(select(Certificate).where(
            Certificate.path_id == path.id, Certificate.status == "valid")).all()
        assert {c.person.employee_id for c in held} == set(expected)
        for certificate in held:
            days = (today - certificate.issued_on).days
            assert days == expected[certificate.person.employee_id]
            assert certificate.expires_on > today
            approval = db.session.scalar(select(AwardApproval).where(
                AwardApproval.certificate_id == certificate.id))
            assert approval is not None and approval.status == "approved"
    assert any(demo_org[eid].has_role("mentor") for eid in SENIOR_DAYS)
    assert all(demo_org[eid].has_role("manager") for eid in MANAGER_DAYS)
    # One senior certificate comes up for renewal within the month.
    assert min(365 - days for days in SENIOR_DAYS.values()) <= 30
