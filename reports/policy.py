"""Who may read reports, KPI trends and group figures, a person's report page, a review-pack
job, the audit log, and manage API tokens."""

from sqlalchemy import exists, select

from lms.core import policy
from lms.core.extensions import db
from lms.people.models import Person
from lms.people.policy import LINE_READERS, may_view_person, report_scope


def _person_report(actor, action, person) -> bool:
    """A person's report page, evidence and review pack: whoever may view the person."""
    return person is not None and may_view_person(actor, person)


def _own_pack_job(actor, action, job) -> bool:
    """A team's review-pack job: only whoever asked for it, while they still read reports and
    still see someone of that team."""
    if job is None or job.requested_by_id != actor.id or not policy.may(actor, "reports.view"):
        return False
    return bool(db.session.scalar(select(exists().where(
        Person.team_id == job.team_id, Person.active.is_(True), report_scope(actor)))))


# Registered by the package's init_app (lms.core.policy.register_all).
RULES = (
    # HR reports (dashboard, heat map, exports): who sees whom is `report_scope`, so a manager
    # reads their line, a mentor their mentees; agents have their own pages instead.
    ("reports.view", policy.roles(*LINE_READERS)),
    ("reports.person", _person_report),
    ("reports.pack_job", _own_pack_job),
    # KPI trends and training impact: HR and admins for every team, a manager for their
    # line (`report_scope`); mentors coach single people, not teams' numbers.
    ("reports.kpis", policy.roles("admin", "hr", "manager")),
    # The organisation's group figures (pass rates, coverage, hours): HR's own page.
    ("reports.group_figures", policy.roles("admin", "hr")),
    ("audit.view", policy.roles("admin")),
    # Personal access tokens for the read API (created for a person, seeing what they see).
    ("api_tokens.manage", policy.roles("admin")),
)
